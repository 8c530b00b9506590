package io.gantry.server;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of webhook deliveries, group-committed, with {@code kill -9} of a real {@code gantry
 * serve} process in the middle of it: after a restart, every delivery that had been answered 202 is
 * known (its redelivery is answered as a duplicate), so the answer never ran ahead of the store.
 */
class DeliveryDurabilityTest {

  private static final String SECRET = "burst-secret";
  private static final int SENDERS = 16;
  private static final int PER_SENDER = 40;
  private static final int KILL_AFTER = 200;

  @TempDir Path dir;
  private Process server;
  private final HttpClient http = HttpClient.newHttpClient();
  private int port;

  @AfterEach
  void stop() {
    if (server != null) {
      server.destroyForcibly();
    }
  }

  @Test
  void everyDeliveryAnswered202BeforeAKillNineIsStillKnownAfterTheRestart() throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    // Runs on main only: the burst pushes other branches, so it is all deliveries and no runs.
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "name: ci\non:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo hi\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflow");
    git(work, "commit", "-q", "--allow-empty", "-m", "second");
    git(work, "push", "-q", bare.toString(), "main");
    String before = git(work, "rev-parse", "HEAD~1").strip();
    String after = git(work, "rev-parse", "HEAD").strip();

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
            + "\n  api-token: t\n"
            + "repositories:\n  - name: acme/app\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: "
            + SECRET
            + "\n");
    List<GitHookPayload> deliveries = new ArrayList<>();
    for (int i = 0; i < SENDERS * PER_SENDER; i++) {
      deliveries.add(
          GitHookPayload.of(
              "acme/app",
              new PostReceive.RefUpdate(before, after, "refs/heads/burst-" + i),
              "dev"));
    }

    server = startServer(config);
    // The first delivery clones the mirror; the burst then only records deliveries.
    assertThat(
            send(GitHookPayload.of(
                    "acme/app",
                    new PostReceive.RefUpdate(before, after, "refs/heads/first"),
                    "dev"))
                .statusCode())
        .isEqualTo(202);
    List<Integer> answered202 = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch enough = new CountDownLatch(KILL_AFTER);
    AtomicInteger next = new AtomicInteger();
    ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
    List<Future<?>> running = new ArrayList<>();
    for (int s = 0; s < SENDERS; s++) {
      running.add(
          senders.submit(
              () -> {
                int n;
                while ((n = next.getAndIncrement()) < deliveries.size()) {
                  try {
                    if (send(deliveries.get(n)).statusCode() == 202) {
                      answered202.add(n);
                      enough.countDown();
                    }
                  } catch (IOException killed) {
                    return null;
                  }
                }
                return null;
              }));
    }
    assertThat(enough.await(120, TimeUnit.SECONDS)).as("202 answers before the kill").isTrue();
    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    for (Future<?> sender : running) {
      sender.get(60, TimeUnit.SECONDS);
    }
    senders.shutdown();
    List<Integer> accepted = List.copyOf(answered202);
    assertThat(accepted).hasSizeGreaterThanOrEqualTo(KILL_AFTER);

    server = startServer(config);
    List<Integer> forgotten = new ArrayList<>();
    for (int n : accepted) {
      HttpResponse<String> again = send(deliveries.get(n));
      Map<?, ?> body = (Map<?, ?>) Expressions.fromJson(again.body());
      if (again.statusCode() != 200 || !Boolean.TRUE.equals(body.get("duplicate"))) {
        forgotten.add(n);
      }
    }
    assertThat(forgotten).as("deliveries answered 202 but unknown after the restart").isEmpty();
  }

  private HttpResponse<String> send(GitHookPayload payload) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base() + "/hooks/git"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(payload.body()));
    payload.headers(SECRET).forEach(request::header);
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private Process startServer(Path config) throws Exception {
    return ServerProcess.start(config, base(), dir, http);
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }
}
