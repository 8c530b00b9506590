package example;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A tiny HTTP service: {@code GET /} greets, {@code GET /health} reports its version. */
public final class HelloService {

  private HelloService() {}

  static String greeting(String name) {
    return "Hello, " + (name == null || name.isBlank() ? "world" : name.strip()) + "!";
  }

  static String health(String version) {
    return "{\"status\":\"UP\",\"version\":\"" + version.replace("\"", "") + "\"}";
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String version = System.getenv().getOrDefault("APP_VERSION", "dev");
    HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 0);
    server.createContext("/health", exchange -> respond(exchange, 200, health(version)));
    server.createContext(
        "/",
        exchange -> {
          String query = exchange.getRequestURI().getQuery();
          String name = query != null && query.startsWith("name=") ? query.substring(5) : null;
          respond(exchange, 200, greeting(name));
        });
    server.start();
    System.out.println("hello-service " + version + " listening on " + port);
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
