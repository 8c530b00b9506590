package io.gantry.localecs;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

/**
 * Relays one HTTP request that the {@link Balancer} took on a listener to the target it chose, as a
 * reverse proxy does: hop-by-hop headers dropped both ways, {@code X-Forwarded-For} added, a target
 * that cannot be reached answered with 502. Stateless; the balancer keeps the choice of target and
 * its in-flight count.
 */
final class TargetProxy {

  private static final Set<String> HOP_HEADERS =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "expect",
          "date");

  private TargetProxy() {}

  /** Sends the exchange's request to {@code host:port} and its answer back; closes nothing. */
  static void relay(HttpClient http, HttpExchange exchange, String host, int port)
      throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + exchange.getRequestURI()))
            .timeout(Duration.ofSeconds(60))
            .method(
                exchange.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
              }
            });
    request.header("X-Forwarded-For", exchange.getRemoteAddress().getAddress().getHostAddress());
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      respond(exchange, 502, "502 Bad Gateway: " + e.getMessage() + "\n");
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      respond(exchange, 502, "502 Bad Gateway\n");
      return;
    }
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                exchange.getResponseHeaders().put(name, values);
              }
            });
    byte[] out = response.body();
    exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(out);
      }
    }
  }

  static void respond(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream o = exchange.getResponseBody()) {
      o.write(bytes);
    }
  }
}
