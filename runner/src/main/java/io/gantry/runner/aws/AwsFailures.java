package io.gantry.runner.aws;

import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns a failed AWS call into one line that names the call, the endpoint and the region, keeps
 * AWS's own error code and message, and says what to check. SDK exceptions never reach the log
 * whole: they are multi-line and carry no hint.
 */
public final class AwsFailures {

  /** Error codes meaning the access key id is unknown. */
  private static final Set<String> UNKNOWN_KEY =
      Set.of("InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId");

  /** Error codes meaning the secret does not match the key. */
  private static final Set<String> BAD_SIGNATURE =
      Set.of("SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature");

  private static final Set<String> EXPIRED =
      Set.of("ExpiredToken", "ExpiredTokenException", "RequestExpired");

  private static final Set<String> DENIED =
      Set.of("AccessDenied", "AccessDeniedException", "UnauthorizedOperation");

  private AwsFailures() {}

  /** Whether AWS answered that the caller's credentials are not valid (not a mere denial). */
  public static boolean isAuthentication(SdkException e) {
    if (!(e instanceof AwsServiceException service)) {
      return false;
    }
    String code = code(service);
    return UNKNOWN_KEY.contains(code)
        || BAD_SIGNATURE.contains(code)
        || EXPIRED.contains(code)
        || DENIED.contains(code)
        || service.statusCode() == 401
        || service.statusCode() == 403;
  }

  /**
   * One line for a failed call, e.g. {@code ECR GetAuthorizationToken at https://... (region
   * eu-west-1) was refused: HTTP 403 SignatureDoesNotMatch: ...; the secret access key does not
   * match the access key id: check ...}.
   *
   * @param call what was called, e.g. {@code STS AssumeRole}
   * @param keySource where the credentials came from, e.g. {@code aws-access-key-id}, for hints
   */
  public static String describe(
      String call, AwsClients.Target target, String keySource, SdkException e) {
    String where = call + " at " + target.where() + " (region " + target.region().id() + ")";
    if (e instanceof AwsServiceException service) {
      String code = code(service);
      String message =
          service.awsErrorDetails() == null
              ? ""
              : oneLine(service.awsErrorDetails().errorMessage());
      return where
          + " was refused: HTTP "
          + service.statusCode()
          + (code.isEmpty() ? "" : " " + code)
          + (message.isEmpty() ? "" : ": " + message)
          + hint(code, call, keySource);
    }
    String endpointHint =
        target.endpointVariable() != null
            ? "check " + target.endpointVariable() + " and that the endpoint is up"
            : "check the network and the region";
    if (e instanceof ApiCallTimeoutException) {
      return where
          + " got no answer within "
          + AwsClients.CALL_TIMEOUT.toSeconds()
          + "s; "
          + endpointHint;
    }
    return where
        + " could not be reached after "
        + target.maxAttempts()
        + (target.maxAttempts() == 1 ? " attempt: " : " attempts: ")
        + rootCause(e)
        + "; "
        + endpointHint;
  }

  private static String hint(String code, String call, String keySource) {
    if (UNKNOWN_KEY.contains(code)) {
      return "; the access key id is not known: check " + keySource;
    }
    if (BAD_SIGNATURE.contains(code)) {
      return "; the secret access key does not match the access key id: check " + keySource;
    }
    if (EXPIRED.contains(code)) {
      return "; the credentials have expired: run aws-actions/configure-aws-credentials again";
    }
    if (DENIED.contains(code)) {
      if (call.endsWith(" AssumeRole")) {
        return "; check the role's trust policy: it must allow sts:AssumeRole (and sts:TagSession"
            + " unless role-skip-session-tagging is true)";
      }
      int space = call.indexOf(' ');
      return "; the caller needs the permission "
          + call.substring(0, space).toLowerCase(Locale.ROOT)
          + ":"
          + call.substring(space + 1);
    }
    return "";
  }

  private static String code(AwsServiceException e) {
    AwsErrorDetails details = e.awsErrorDetails();
    return details == null || details.errorCode() == null ? "" : details.errorCode();
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = oneLine(root.getMessage());
    String type = root.getClass().getSimpleName();
    return message.isEmpty() ? type : type + ": " + message;
  }

  /** The text on one line, without runs of white space, at most 300 characters. */
  public static String oneLine(String text) {
    if (text == null) {
      return "";
    }
    String line = text.replaceAll("\\s+", " ").trim();
    return line.length() <= 300 ? line : line.substring(0, 297) + "...";
  }
}
