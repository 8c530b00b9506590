package io.gantry.server.forge;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A real HTTP server on 127.0.0.1 that records every request and answers from a script. */
final class RecordingServer implements AutoCloseable {

  // The body as the bytes received: signatures are checked over exactly these.
  @SuppressWarnings("ArrayRecordComponent")
  record Recorded(String method, String rawPath, Headers headers, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  record Answer(int status, String body) {}

  private final HttpServer server;
  private final List<Recorded> requests = new ArrayList<>();
  private final Deque<Answer> script = new ArrayDeque<>();
  private final Answer fallback;

  private RecordingServer(Answer fallback, List<Answer> answers) throws IOException {
    this.fallback = fallback;
    script.addAll(answers);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body;
          try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
          }
          Answer answer;
          synchronized (this) {
            requests.add(
                new Recorded(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    Headers.ofLists(exchange.getRequestHeaders()),
                    body));
            answer = script.isEmpty() ? this.fallback : script.poll();
          }
          byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
          try (OutputStream stream = exchange.getResponseBody()) {
            stream.write(out);
          }
        });
    server.start();
  }

  /** Answers each request with the next of {@code answers}, then with {@code fallback} forever. */
  static RecordingServer answering(Answer fallback, Answer... answers) throws IOException {
    return new RecordingServer(fallback, List.of(answers));
  }

  static Answer answer(int status, String body) {
    return new Answer(status, body);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  synchronized List<Recorded> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
