package io.gantry.server.forge;

/**
 * What became of one status report: the outbox removes a {@code DELIVERED} or {@code PERMANENT} one
 * (logging the latter, since retrying a 404 or 422 changes nothing) and retries a {@code RETRYABLE}
 * one with {@link Backoff}.
 *
 * @param statusCode the HTTP status, or 0 when no answer came
 * @param message one line for the log; never holds the token
 */
public record SendResult(Outcome outcome, int statusCode, String message) {

  public enum Outcome {
    DELIVERED,
    RETRYABLE,
    PERMANENT
  }
}
