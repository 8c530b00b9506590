package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import io.gantry.runner.action.image.ImageRequest.RegistryBase;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jib's exceptions as one line for the step: which registry refused and with which credential (and
 * where credentials were looked for), which base image is missing, which registry speaks no trusted
 * TLS or cannot be reached. The cause is kept; its text (which may quote requests) is not shown
 * beyond its first line.
 */
final class BuildFailures {

  private static final Pattern CONNECT_TO = Pattern.compile("Connect to ([^\\s\\[]+)");
  private static final Pattern URL_HOST = Pattern.compile("https?://([^/\\s]+)/");

  private BuildFailures() {}

  /** The one-line failure for a build's exception. */
  static ImageException of(
      Throwable cause,
      ImageRequest request,
      Map<String, Credential> used,
      RegistryCredentials credentials) {
    if (cause instanceof ImageException e) {
      return e;
    }
    if (cause instanceof RegistryUnauthorizedException e) {
      String reference = e.getImageReference();
      String registry =
          reference.contains("/") ? reference.substring(0, reference.indexOf('/')) : reference;
      Credential credential = used.get(registry);
      String status = statusOf(e);
      return new ImageException(
          "authentication to "
              + registry
              + " failed: "
              + (credential == null
                  ? "the registry wants credentials for "
                      + e.getImageReference()
                      + " and none were found"
                  : (status.isEmpty() ? "refused" : status)
                      + " for "
                      + e.getImageReference()
                      + " as user '"
                      + credential.username()
                      + "' from "
                      + credential.source())
              + " (looked for credentials in: "
              + credentials.lookedIn(registry)
              + ")",
          cause);
    }
    if (cause instanceof InsecureRegistryException) {
      return new ImageException(
          "registry "
              + registryIn(cause, request)
              + " does not answer over verified HTTPS ("
              + describe(rootCause(cause))
              + "); set allow-insecure-registries: true to allow plain HTTP or a self-signed"
              + " certificate (it is needed for every registry not on this machine)",
          cause);
    }
    String message = String.valueOf(cause.getMessage());
    if (request.base() instanceof RegistryBase base
        && message.contains("pull image manifest")
        && (message.contains("manifest unknown")
            || message.contains("name unknown")
            || statusOf(cause).startsWith("404"))) {
      return new ImageException(
          "base image "
              + base.reference()
              + " does not exist ("
              + oneLine(message.replaceAll(".*failed because: ", ""))
              + "); check 'base', or push it first (gantry base-image pushes a Java runtime)",
          cause);
    }
    return new ImageException("building the image failed: " + describe(cause), cause);
  }

  /** The reason a build could not reach a registry, or null when that is not what failed. */
  static String unreachable(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException
          || t instanceof SocketTimeoutException
          || t.getClass().getName().equals("org.apache.http.NoHttpResponseException")) {
        return describe(t);
      }
    }
    return null;
  }

  static String registryIn(Throwable cause, ImageRequest request) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      Matcher m = CONNECT_TO.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return m.group(1);
      }
      Matcher url = URL_HOST.matcher(String.valueOf(t.getMessage()));
      if (url.find()) {
        return url.group(1);
      }
    }
    return Registries.registryOf(request.repository());
  }

  private static String statusOf(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ResponseException r) {
        return r.getStatusCode() + (r.getMessage() == null ? "" : " " + statusText(r));
      }
    }
    return "";
  }

  /** "Unauthorized" of "401 Unauthorized\nHEAD http://…" (the request line is left out). */
  private static String statusText(ResponseException r) {
    String message = r.getMessage().lines().findFirst().orElse("").strip();
    String code = Integer.toString(r.getStatusCode());
    return message.startsWith(code) ? message.substring(code.length()).strip() : message;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  static String describe(Throwable t) {
    String message = t.getMessage();
    return oneLine(message == null || message.isBlank() ? t.getClass().getSimpleName() : message);
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("\\s*\\n\\s*", " ").strip();
    return line.length() > 500 ? line.substring(0, 500) + "…" : line;
  }
}
