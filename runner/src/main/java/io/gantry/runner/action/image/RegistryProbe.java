package io.gantry.runner.action.image;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A look at a registry before Jib starts: can it be reached, and (when plain HTTP is not allowed)
 * does it present a certificate this JVM trusts for its name? Jib retries such failures for about a
 * minute before it gives up, with a message about the last request; this answers in milliseconds
 * with the registry's name. Skipped when a proxy is configured (the registry may only be reachable
 * through it).
 */
final class RegistryProbe {

  private static final int TIMEOUT_MILLIS = 5000;

  private RegistryProbe() {}

  static boolean applies() {
    return System.getProperty("https.proxyHost") == null
        && System.getProperty("http.proxyHost") == null;
  }

  /**
   * Checks one registry.
   *
   * @return null when it answers, else why it cannot be reached (worth trying again)
   * @throws ImageException when it answers but not over TLS that this JVM trusts
   */
  static String probe(String registry, boolean verifyTls) throws ImageException {
    String host = registry;
    int port = 443;
    int colon = registry.lastIndexOf(':');
    if (colon > 0 && registry.indexOf(']') < colon) {
      host = registry.substring(0, colon);
      port = Integer.parseInt(registry.substring(colon + 1));
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      if (!verifyTls) {
        return null;
      }
      socket.setSoTimeout(TIMEOUT_MILLIS);
      try (SSLSocket tls =
          (SSLSocket)
              ((SSLSocketFactory) SSLSocketFactory.getDefault())
                  .createSocket(socket, host, port, false)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
      }
      return null;
    } catch (SSLException e) {
      throw new ImageException(
          "registry "
              + registry
              + " does not answer over verified HTTPS ("
              + oneLine(e.getMessage())
              + "); set allow-insecure-registries: true to allow plain HTTP or a self-signed"
              + " certificate (it is needed for every registry not on this machine)",
          e);
    } catch (UnknownHostException e) {
      return "unknown host " + host;
    } catch (IOException e) {
      return oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\n\\s*", " ").strip();
  }
}
