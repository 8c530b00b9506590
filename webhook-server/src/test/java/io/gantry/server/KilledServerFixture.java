package io.gantry.server;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code gantry serve} process over a bare repository whose workflows the test writes, to be
 * killed with {@code kill -9} and started again: shared by the tests of what a killed server
 * leaves.
 */
final class KilledServerFixture implements AutoCloseable {

  static final String TOKEN = TestServer.TOKEN;

  private final Path dir;
  private final Path config;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();
  private Process server;

  /** Each workflow as file name and text, in {@code .github/workflows}. */
  KilledServerFixture(Path dir, Map<String, String> workflows) throws Exception {
    this.dir = dir;
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    for (Map.Entry<String, String> workflow : workflows.entrySet()) {
      Files.writeString(
          work.resolve(".github/workflows/" + workflow.getKey()), workflow.getValue());
    }
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflows");
    git(work, "push", "-q", bare.toString(), "main");
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: "
            + port
            + "\n  data-dir: "
            + data()
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 2\n  lease-seconds: 3\nrepositories:\n  - name: acme/web\n"
            + "    forge: github\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: s3cret\n");
  }

  Path data() {
    return dir.resolve("data");
  }

  void start() throws Exception {
    server = ServerProcess.start(config, base(), dir, http);
  }

  /** Starts it with options for its JVM; returns its process id. */
  long start(List<String> jvmOptions) throws Exception {
    server = ServerProcess.start(config, base(), dir, http, jvmOptions);
    return server.pid();
  }

  /** The same, the server's classes from {@code classpath}; returns its process id. */
  long start(List<String> jvmOptions, String classpath) throws Exception {
    server = ServerProcess.start(config, base(), dir, http, jvmOptions, classpath);
    return server.pid();
  }

  int port() {
    return port;
  }

  /** SIGKILL: no shutdown hook runs. */
  void killNine() throws Exception {
    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    server = null;
  }

  long dispatch(String workflow) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/runs"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\""
                            + workflow
                            + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return ((Number) ((Map<?, ?>) Expressions.fromJson(response.body())).get("id")).longValue();
  }

  Map<?, ?> run(long id) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
  }

  Map<?, ?> awaitStatus(long id, String status) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run = run(id);
      if (status.equals(run.get("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + id + " never became " + status + ": " + run(id));
  }

  /** Polls the run's whole log until it contains {@code text}; returns the last log read. */
  String awaitLog(long id, String text) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    String log = get("/api/runs/" + id + "/logs");
    while (!log.contains(text) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      log = get("/api/runs/" + id + "/logs");
    }
    return log;
  }

  String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    if (server != null) {
      server.destroyForcibly();
    }
  }
}
