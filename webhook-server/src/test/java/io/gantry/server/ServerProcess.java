package io.gantry.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code gantry serve} as a process of its own, from the test's classpath, for tests that kill it
 * ({@code kill -9}) and start it again on the same data directory.
 */
final class ServerProcess {

  private ServerProcess() {}

  /**
   * Starts {@code gantry serve --config CONFIG}, its output in a new file of {@code logs}, and
   * returns once {@code baseUrl/health} answers 200 (at most 30 s).
   */
  static Process start(Path config, String baseUrl, Path logs, HttpClient http) throws Exception {
    return start(config, baseUrl, logs, http, List.of());
  }

  /** The same, with options for the server's JVM (a heap limit, say). */
  static Process start(
      Path config, String baseUrl, Path logs, HttpClient http, List<String> jvmOptions)
      throws Exception {
    return start(config, baseUrl, logs, http, jvmOptions, System.getProperty("java.class.path"));
  }

  /** The same, with the server's classes from {@code classpath} (an earlier build, in a bench). */
  static Process start(
      Path config,
      String baseUrl,
      Path logs,
      HttpClient http,
      List<String> jvmOptions,
      String classpath)
      throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-cp",
            classpath,
            "io.gantry.server.ServerMain",
            "serve",
            "--config",
            config.toString()));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve("server-" + System.nanoTime() + ".log").toFile())
            .start();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) {
          return process;
        }
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    throw new AssertionError("the server did not start; see " + logs);
  }
}
