package io.gantry.server;

/**
 * An API error with its HTTP status; the exception mapper turns it into {@code {"error",
 * "message"}}. {@code error} is a short stable code, {@code message} one line for a person.
 */
final class ApiException extends RuntimeException {

  final int status;
  final String error;

  ApiException(int status, String error, String message) {
    super(message);
    this.status = status;
    this.error = error;
  }

  static ApiException notFound(String message) {
    return new ApiException(404, "not_found", message);
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message);
  }

  static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthorized", message);
  }

  static ApiException conflict(String message) {
    return new ApiException(409, "conflict", message);
  }
}
