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
    Process process =
        launch(config, logs.resolve("server-" + System.nanoTime() + ".log"), jvmOptions, classpath);
    // Generous: a loaded machine (the whole suite on two cores) starts a JVM slowly.
    if (awaitHealthy(baseUrl, http, 60_000)) {
      return process;
    }
    process.destroyForcibly();
    throw new AssertionError("the server did not start; see " + logs);
  }

  /** Starts {@code gantry serve --config CONFIG}, its output in {@code log}, without waiting. */
  static Process launch(Path config, Path log, List<String> jvmOptions) throws IOException {
    return launch(config, log, jvmOptions, System.getProperty("java.class.path"));
  }

  private static Process launch(Path config, Path log, List<String> jvmOptions, String classpath)
      throws IOException {
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
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** Whether {@code baseUrl/health} answers 200 within {@code millis}. */
  static boolean awaitHealthy(String baseUrl, HttpClient http, long millis) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    return false;
  }
}
