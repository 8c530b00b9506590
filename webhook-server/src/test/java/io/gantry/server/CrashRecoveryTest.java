package io.gantry.server;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.expression.Expressions;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code gantry serve} process while one run runs and another waits:
 * after a restart the waiting run completes, and the interrupted one is concluded, marked and
 * reported on its commit. Nothing is lost.
 */
class CrashRecoveryTest {

  static final String TOKEN = "crash-token";
  static final String MARKER = "sleep 4242";

  @TempDir Path dir;
  private Process server;
  private HttpServer forge;
  private final List<String> statuses = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private int port;

  @AfterEach
  void stop() {
    if (server != null) {
      server.destroyForcibly();
    }
    if (forge != null) {
      forge.stop(0);
    }
    // The killed server's step process outlives it (it has a session of its own); it was started
    // by this test, so this test stops it.
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(MARKER))
        .forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void afterKillNineTheQueuedRunCompletesAndTheInterruptedOneIsMarkedAndReported()
      throws Exception {
    forge =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          statuses.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/slow.yml"),
        "name: slow\non: workflow_dispatch\njobs:\n  s:\n    runs-on: x\n    steps:\n      - run: "
            + MARKER
            + "\n");
    Files.writeString(
        work.resolve(".github/workflows/quick.yml"),
        "name: quick\non: workflow_dispatch\njobs:\n  q:\n    runs-on: x\n    steps:\n      - run: echo quick-ran\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflows");
    git(work, "push", "-q", bare.toString(), "main");

    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: "
            + port
            + "\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 1\n  lease-seconds: 3\nrepositories:\n  - name: acme/web\n    forge: github\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: s3cret\n"
            + "    status: { api-url: http://127.0.0.1:"
            + forge.getAddress().getPort()
            + ", token: t0ken }\n");

    server = startServer(config);
    long slow = dispatch("slow.yml");
    awaitStatus(slow, "IN_PROGRESS");
    long quick = dispatch("quick.yml");
    assertThat(run(quick).get("status")).isEqualTo("QUEUED");
    assertThat(String.valueOf(run(quick).get("waiting"))).contains("waiting for a free worker");

    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    server = startServer(config);

    Map<?, ?> quickRun = awaitStatus(quick, "COMPLETED");
    assertThat(quickRun.get("conclusion")).isEqualTo("success");
    Map<?, ?> slowRun = awaitStatus(slow, "COMPLETED");
    assertThat(slowRun.get("conclusion")).isEqualTo("failure");
    assertThat(slowRun.get("interrupted")).isEqualTo(true);
    assertThat(get("/api/runs/" + slow + "/logs")).contains("the run was interrupted");
    long deadline = System.currentTimeMillis() + 20_000;
    // Both reports go through the outbox, after the runs ended: wait for the two of them.
    while ((statuses.stream().noneMatch(s -> s.contains("interrupted"))
            || statuses.stream().noneMatch(s -> s.contains("\"state\":\"success\"")))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(statuses)
        .anyMatch(s -> s.contains("\"state\":\"failure\"") && s.contains("interrupted"));
    assertThat(statuses)
        .anyMatch(s -> s.contains("\"state\":\"success\"") && s.contains("gantry/quick"));
  }

  private Process startServer(Path config) throws Exception {
    return ServerProcess.start(config, base(), dir, http);
  }

  private long dispatch(String workflow) throws Exception {
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

  private Map<?, ?> run(long id) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
  }

  private Map<?, ?> awaitStatus(long id, String status) throws Exception {
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

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }
}
