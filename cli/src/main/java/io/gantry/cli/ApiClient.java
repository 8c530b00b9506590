package io.gantry.cli;

import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;

/** The CLI's client of the server's REST API. Errors become one-line {@link ClientException}s. */
final class ApiClient {

  static final String TOKEN = "GANTRY_API_TOKEN";
  static final String SERVER = "GANTRY_SERVER";

  private final String server;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  ApiClient(String server, String token) {
    this.server = server.replaceAll("/+$", "");
    this.token = token;
  }

  static final class ClientException extends Exception {
    ClientException(String message) {
      super(message);
    }
  }

  Object get(String path) throws ClientException {
    return json(send(reader(HttpRequest.newBuilder(uri(path)).GET())));
  }

  String getText(String path) throws ClientException {
    return send(reader(HttpRequest.newBuilder(uri(path)).GET()));
  }

  /** A read carries the token when there is one: the server asks for it unless public-read. */
  private HttpRequest.Builder reader(HttpRequest.Builder request) {
    if (token != null && !token.isBlank()) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  /** An answer of the server, whatever its status; {@code body} parsed from JSON. */
  record Answer(int status, Object body) {
    /** The error's one-line {@code message}, else the whole body. */
    String message() {
      return body instanceof Map<?, ?> m && m.get("message") != null
          ? String.valueOf(m.get("message"))
          : String.valueOf(body);
    }
  }

  /**
   * POSTs and returns the answer even when its status is an error, for calls whose error answers
   * carry more than a message (a rollback's log); waits up to {@code timeout} for it.
   */
  Answer postForAnswer(String path, Map<String, Object> body, Duration timeout)
      throws ClientException {
    requireToken();
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri(path))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(Expressions.toJson(body)))
                  .timeout(timeout)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Object parsed;
      try {
        parsed = Expressions.fromJson(response.body());
      } catch (ExpressionException notJson) {
        parsed = response.body();
      }
      return new Answer(response.statusCode(), parsed);
    } catch (ConnectException e) {
      throw unreachable();
    } catch (IOException e) {
      throw new ClientException("cannot talk to " + server + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted");
    }
  }

  private void requireToken() throws ClientException {
    if (token == null || token.isBlank()) {
      throw new ClientException(
          "this command changes things on the server: export "
              + TOKEN
              + " with the server's api-token");
    }
  }

  Object post(String path, Map<String, Object> body) throws ClientException {
    requireToken();
    return json(
        send(
            HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Expressions.toJson(body)))));
  }

  /** DELETEs with the token (an operator's call) and returns the parsed answer. */
  Object delete(String path) throws ClientException {
    requireToken();
    return json(
        send(
            HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).DELETE()));
  }

  /**
   * Reads a Server-Sent Events stream until it ends ({@code end} or {@code error}), passing each
   * event and its data. When the server drops the stream before that (a follower that fell behind
   * gets {@code behind}, or the connection broke) it is opened again with {@code Last-Event-ID}, so
   * no event with an id is missed or repeated; it gives up after {@value #RECONNECTS} attempts in a
   * row that bring nothing new.
   */
  void stream(String path, BiConsumer<String, String> events) throws ClientException {
    String lastId = null;
    int fruitless = 0;
    while (true) {
      String before = lastId;
      ClientException broken = null;
      try {
        lastId = streamOnce(path, lastId, events);
        if (lastId == null || lastId.equals(END)) {
          return;
        }
      } catch (StreamBroken e) {
        lastId = e.lastId;
        broken = e.cause;
      }
      fruitless = java.util.Objects.equals(before, lastId) ? fruitless + 1 : 0;
      if (fruitless >= RECONNECTS) {
        throw broken != null
            ? broken
            : new ClientException(server + path + " keeps ending the stream early");
      }
      try {
        Thread.sleep(fruitless == 0 ? 0 : 200L * fruitless);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClientException("interrupted");
      }
    }
  }

  private static final int RECONNECTS = 5;
  private static final String END = "\0end";

  /** The stream broke; the id of the last event read. */
  private static final class StreamBroken extends Exception {
    private static final long serialVersionUID = 1L;
    final transient String lastId;
    final transient ClientException cause;

    StreamBroken(String lastId, ClientException cause) {
      super(cause.getMessage(), null, false, false);
      this.lastId = lastId;
      this.cause = cause;
    }
  }

  /** One connection: the id of the last event read, {@link #END} when the stream ended. */
  private String streamOnce(String path, String lastId, BiConsumer<String, String> events)
      throws ClientException, StreamBroken {
    HttpRequest.Builder builder =
        reader(HttpRequest.newBuilder(uri(path)).header("Accept", "text/event-stream").GET());
    if (lastId != null) {
      builder.header("Last-Event-ID", lastId);
    }
    String last = lastId;
    try {
      HttpResponse<java.io.InputStream> response =
          http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() >= 400) {
        throw new ClientException(server + path + " answered " + response.statusCode());
      }
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String event = "message";
        String id = null;
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isEmpty()) {
            if (data.length() > 0) {
              if (id != null) {
                last = id;
              }
              if (!event.equals("behind")) {
                events.accept(event, data.toString());
              }
              if (event.equals("end") || event.equals("error")) {
                return END;
              }
            }
            event = "message";
            id = null;
            data.setLength(0);
          } else if (line.startsWith("id:")) {
            id = line.substring(3).strip();
          } else if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            if (data.length() > 0) {
              data.append('\n');
            }
            data.append(line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5));
          }
        }
      }
      return last == null ? "0" : last;
    } catch (ConnectException e) {
      throw new StreamBroken(last == null ? "0" : last, unreachable());
    } catch (IOException e) {
      throw new StreamBroken(
          last == null ? "0" : last,
          new ClientException("lost the connection to " + server + ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted");
    }
  }

  /**
   * GETs a file into {@code target} (streamed through a temporary file next to it, moved into place
   * once whole); returns the answer's headers.
   */
  java.net.http.HttpHeaders download(String path, java.nio.file.Path target)
      throws ClientException {
    java.nio.file.Path part = target.resolveSibling(target.getFileName() + ".part");
    try {
      HttpResponse<java.nio.file.Path> response =
          http.send(
              reader(HttpRequest.newBuilder(uri(path)).GET())
                  .timeout(Duration.ofMinutes(30))
                  .build(),
              HttpResponse.BodyHandlers.ofFile(part));
      if (response.statusCode() >= 400) {
        String body = java.nio.file.Files.readString(part);
        java.nio.file.Files.deleteIfExists(part);
        String message = body;
        try {
          Object parsed = Expressions.fromJson(body);
          if (parsed instanceof Map<?, ?> m && m.get("message") != null) {
            message = String.valueOf(m.get("message"));
          }
        } catch (ExpressionException notJson) {
          // Keep the raw body.
        }
        throw new ClientException("the server answered " + response.statusCode() + ": " + message);
      }
      java.nio.file.Files.move(part, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return response.headers();
    } catch (ConnectException e) {
      throw unreachable();
    } catch (IOException e) {
      throw new ClientException(
          "cannot download " + path + " from " + server + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted");
    }
  }

  private String send(HttpRequest.Builder builder) throws ClientException {
    try {
      HttpResponse<String> response =
          http.send(
              builder.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 400) {
        String message = response.body();
        try {
          Object parsed = Expressions.fromJson(response.body());
          if (parsed instanceof Map<?, ?> m && m.get("message") != null) {
            message = String.valueOf(m.get("message"));
          }
        } catch (ExpressionException notJson) {
          // Keep the raw body: a proxy's error page, say.
        }
        throw new ClientException("the server answered " + response.statusCode() + ": " + message);
      }
      return response.body();
    } catch (ConnectException e) {
      throw unreachable();
    } catch (IOException e) {
      throw new ClientException("cannot talk to " + server + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted");
    }
  }

  private ClientException unreachable() {
    return new ClientException(
        "cannot connect to "
            + server
            + "; is 'gantry serve' running there? (set --server or "
            + SERVER
            + ")");
  }

  private static Object json(String text) throws ClientException {
    try {
      return Expressions.fromJson(text);
    } catch (ExpressionException e) {
      throw new ClientException("the server sent something that is not JSON: " + e.getMessage());
    }
  }

  private URI uri(String path) throws ClientException {
    try {
      return URI.create(server + path);
    } catch (IllegalArgumentException e) {
      throw new ClientException(
          "--server must be a URL like http://127.0.0.1:8080, got '" + server + "'");
    }
  }
}
