package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A `gantry serve` process's REST API as the agent process tests call it, with its token. */
final class ServerApi {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String base;
  private final String token;

  ServerApi(int port, String token) {
    this.base = "http://127.0.0.1:" + port;
    this.token = token;
  }

  String base() {
    return base;
  }

  /** GET of a JSON object; 200 expected. */
  Map<?, ?> get(String path) {
    try {
      return (Map<?, ?>) Expressions.fromJson(text(path));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String text(String path) throws Exception {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }

  byte[] bytes(String path) throws Exception {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    return r.body();
  }

  /** POST of a JSON object; a 2xx expected, its JSON answer returned. */
  Map<?, ?> post(String path, Map<String, Object> body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Expressions.toJson(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
    return (Map<?, ?>) Expressions.fromJson(r.body());
  }

  /** Registers an agent with one label; returns its token. */
  String addAgent(String name, String label) throws Exception {
    Map<?, ?> added = post("/api/agents", Map.of("name", name, "labels", List.of(label)));
    return String.valueOf(added.get("token"));
  }

  /**
   * Starts a `gantry agent` process of this test's class path against this server, its data in
   * {@code dir/name} and its output in {@code dir/name.log}, {@code AGENT_MARK} set to {@code
   * mark}.
   */
  Process startAgent(Path dir, String mark, String token, String name, String... options)
      throws java.io.IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.gantry.cli.Gantry",
                "agent",
                "--server",
                base,
                "--token",
                token));
    command.addAll(List.of(options));
    command.addAll(List.of("--data-dir", dir.resolve(name).toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().put("AGENT_MARK", mark);
    return builder.start();
  }

  /** Waits, polling every 300 ms, until {@code condition} holds; fails after {@code limit}. */
  static void until(Duration limit, BooleanSupplier condition) {
    long end = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + limit);
      }
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** Runs git in {@code in}; it must succeed within a minute. */
  static void git(Path in, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(in.toFile())
            .redirectErrorStream(true)
            .redirectOutput(new File("/dev/null"))
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }
}
