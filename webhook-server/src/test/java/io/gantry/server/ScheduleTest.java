package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.GitRepos;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code on.schedule} end to end: a real bare repository whose default branch holds the workflow,
 * servers on 127.0.0.1 sharing one data directory, and a test clock moved by hand.
 */
class ScheduleTest {

  @TempDir Path dir;
  private Path bare;
  private String sha;
  private ServerConfig config;
  private final TestClock clock = new TestClock(Instant.parse("2026-12-06T10:30:00Z"));
  private final List<GantryServer> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void repository() throws Exception {
    bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "config", "user.email", "dev@example.com");
    GitRepos.git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/nightly.yml"),
        "name: nightly\non:\n  schedule:\n    - cron: '0 * * * *'\njobs:\n  report:\n"
            + "    runs-on: x\n    steps:\n"
            + "      - run: echo \"fired $GITHUB_EVENT_NAME $GITHUB_REF ${{ github.event.schedule }}\"\n");
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", "nightly");
    sha = GitRepos.git(work, "rev-parse", "HEAD").strip();
    GitRepos.git(work, "push", "-q", bare.toString(), "main");

    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: t0ken-123\n"
            + "  workers: 1\nrepositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: s3cret-456\n");
    config = new ConfigLoader(Map.<String, String>of()::get).load(file);
  }

  @AfterEach
  void stop() {
    servers.forEach(GantryServer::close);
  }

  private GantryServer start() {
    GantryServer server =
        GantryServer.start(config, Duration.ofSeconds(30), StatusPosting.forges(), clock);
    servers.add(server);
    return server;
  }

  @Test
  void aTickFiresOnceOnTheDefaultBranchAndAMissedTickOnceAfterRestart() throws Exception {
    GantryServer server = start();
    // The first pass notes the schedule: nothing before this moment is owed.
    server.schedules().fireDue();
    assertThat(scheduleRuns(server)).isEmpty();

    clock.set(Instant.parse("2026-12-06T11:00:30Z"));
    server.schedules().fireDue();
    server.schedules().fireDue();
    List<Map<?, ?>> runs = scheduleRuns(server);
    assertThat(runs).hasSize(1);
    Map<?, ?> run = awaitCompleted(server, id(runs.get(0)));
    assertThat(run.get("conclusion")).as(String.valueOf(run)).isEqualTo("success");
    assertThat(run.get("sha")).isEqualTo(sha);
    assertThat(run.get("ref")).isEqualTo("refs/heads/main");
    assertThat(get(server, "/api/runs/" + id(run) + "/logs"))
        .contains("fired schedule refs/heads/main 0 * * * *");
    assertThat(get(server, "/api/runs/" + id(run))).contains("at 2026-12-06T11:00:00Z");

    server.close();
    servers.remove(server);
    // Down over three ticks (12:00, 13:00, 14:00): the start-up pass fires the latest one once.
    clock.set(Instant.parse("2026-12-06T14:10:00Z"));
    GantryServer restarted = start();
    restarted.schedules().fireDue();
    List<Map<?, ?>> after = scheduleRuns(restarted);
    assertThat(after).hasSize(2);
    assertThat(get(restarted, "/api/runs/" + id(after.get(0)))).contains("at 2026-12-06T14:00:00Z");
  }

  @Test
  void twoServersSharingAStoreFireATickOnce() throws Exception {
    GantryServer a = start();
    GantryServer b = start();
    a.schedules().fireDue();
    b.schedules().fireDue();

    clock.set(Instant.parse("2026-12-06T11:00:05Z"));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Callable<List<Long>>> passes = List.of(a.schedules()::fireDue, b.schedules()::fireDue);
      List<Long> fired = new ArrayList<>();
      for (Future<List<Long>> f : pool.invokeAll(passes)) {
        fired.addAll(f.get());
      }
      // The background passes may have taken the tick first; either way exactly one run exists.
      assertThat(fired).hasSizeLessThanOrEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(scheduleRuns(a)).hasSize(1);
    assertThat(scheduleRuns(b)).hasSize(1);
  }

  @Test
  void theSchedulesApiListsTheNextFireTime() throws Exception {
    GantryServer server = start();
    assertThat(get(server, "/api/schedules"))
        .contains("\"repository\":\"acme/web\"")
        .contains("\"workflowFile\":\".github/workflows/nightly.yml\"")
        .contains("\"cron\":\"0 * * * *\"")
        .contains("\"next\":\"2026-12-06T11:00:00Z\"");
  }

  private List<Map<?, ?>> scheduleRuns(GantryServer server) throws Exception {
    Map<?, ?> body = (Map<?, ?>) Expressions.fromJson(get(server, "/api/runs?limit=50"));
    List<Map<?, ?>> runs = new ArrayList<>();
    for (Object r : (List<?>) body.get("runs")) {
      if ("schedule".equals(((Map<?, ?>) r).get("event"))) {
        runs.add((Map<?, ?>) r);
      }
    }
    return runs;
  }

  private Map<?, ?> awaitCompleted(GantryServer server, long id) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run = (Map<?, ?>) Expressions.fromJson(get(server, "/api/runs/" + id));
      if ("COMPLETED".equals(run.get("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + id + " did not complete: " + get(server, "/api/runs/" + id));
  }

  private String get(GantryServer server, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer t0ken-123")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static long id(Map<?, ?> run) {
    return ((Number) run.get("id")).longValue();
  }
}
