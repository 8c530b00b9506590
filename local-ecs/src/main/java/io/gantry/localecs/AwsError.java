package io.gantry.localecs;

/**
 * An error answered in AWS's JSON shape: {@code {"__type": type, "message": message}} with the HTTP
 * status, from which an AWS SDK raises its typed exception (ClientException,
 * ClusterNotFoundException, ...).
 */
final class AwsError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final String type;
  final int status;

  AwsError(String type, String message) {
    this(type, message, 400);
  }

  AwsError(String type, String message, int status) {
    super(message);
    this.type = type;
    this.status = status;
  }

  static AwsError client(String message) {
    return new AwsError("ClientException", message);
  }

  static AwsError invalid(String message) {
    return new AwsError("InvalidParameterException", message);
  }

  static AwsError clusterNotFound() {
    return new AwsError("ClusterNotFoundException", "Cluster not found.");
  }

  static AwsError serviceNotFound() {
    return new AwsError("ServiceNotFoundException", "Service not found.");
  }
}
