package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.GitRepos;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a run completes, the default branch's latest workflows are fetched for {@code workflow_run}
 * only when a workflow there (as the mirror holds it) follows the run's workflow: a fetch per run
 * cost each push as much as its own run. Observed with the forge's repository moved away after the
 * mirror has every commit: a fetch then fails and is logged. One worker, so the second run starts
 * only once the first run's follow-up is done.
 */
class WorkflowRunFetchTest {

  private static final String SECRET = "s3cret-456";
  private static final String TOKEN = "t0ken-123";
  private static final String ZEROS = "0".repeat(40);

  /** Held here: the logging framework keeps loggers only weakly. */
  private static final Logger EVENT_RUNS = Logger.getLogger(EventRuns.class.getName());

  @TempDir Path dir;
  private GantryServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          warnings.add(record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @AfterEach
  void stop() {
    EVENT_RUNS.removeHandler(handler);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void runsThatNoWorkflowFollowsCompleteWithoutFetchingTheForge() throws Exception {
    start(false);
    assertThat(twoRunsWithTheForgeAway()).allMatch("success"::equals);
    assertThat(warnings).noneMatch(w -> w.contains("workflow_run after run"));
  }

  @Test
  void aRunThatAWorkflowFollowsFetchesTheLatestDefaultBranch() throws Exception {
    start(true);
    assertThat(twoRunsWithTheForgeAway()).allMatch("success"::equals);
    // The follower is read from the latest default branch, so its fetch was tried and failed.
    assertThat(warnings).anyMatch(w -> w.contains("workflow_run after run"));
  }

  private void start(boolean withFollower) throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "config", "user.email", "dev@example.com");
    GitRepos.git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "name: ci\non: push\njobs:\n  test:\n    runs-on: x\n    steps:\n      - run: echo ok\n");
    if (withFollower) {
      Files.writeString(
          work.resolve(".github/workflows/deploy.yml"),
          "name: deploy\non:\n  workflow_run:\n    workflows: [ci]\n    types: [completed]\n"
              + "jobs:\n  deploy:\n    runs-on: x\n    steps:\n      - run: echo deploying\n");
    }
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", "workflows");
    GitRepos.git(work, "push", "-q", bare.toString(), "main");
    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 1\nrepositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: "
            + SECRET
            + "\n");
    ServerConfig config = new ConfigLoader(Map.<String, String>of()::get).load(file);
    server = GantryServer.start(config, Duration.ofSeconds(30), StatusPosting.forges());
    EVENT_RUNS.addHandler(handler);
  }

  /**
   * A push of main (which clones the mirror), the forge's repository moved away, then a push of the
   * same commit to another branch: the mirror has it, so that push needs no fetch. With one worker
   * the second run starts after the first run's follow-up, and its own follow-up is done when the
   * server closes. Returns the two conclusions.
   */
  private List<Object> twoRunsWithTheForgeAway() throws Exception {
    String sha = GitRepos.git(dir.resolve("work"), "rev-parse", "HEAD").strip();
    long first = push(sha, "refs/heads/main");
    Files.move(dir.resolve("origin.git"), dir.resolve("moved-away.git"));
    long second = push(sha, "refs/heads/other");
    Object firstConclusion = awaitCompleted(first).get("conclusion");
    Object secondConclusion = awaitCompleted(second).get("conclusion");
    server.close();
    server = null;
    return List.of(firstConclusion, secondConclusion);
  }

  private long push(String sha, String ref) throws Exception {
    GitHookPayload payload =
        GitHookPayload.of("acme/web", new PostReceive.RefUpdate(ZEROS, sha, ref), "dev");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/hooks/git"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(payload.body()));
    payload.headers(SECRET).forEach(request::header);
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(response.body())).get("runs");
    assertThat(runs).as(response.body()).hasSize(1);
    return ((Number) runs.get(0)).longValue();
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run =
          (Map<?, ?>)
              Expressions.fromJson(
                  http.send(
                          HttpRequest.newBuilder(
                                  URI.create(
                                      "http://127.0.0.1:" + server.port() + "/api/runs/" + id))
                              .header("Authorization", "Bearer " + TOKEN)
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      if ("COMPLETED".equals(run.get("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + id + " did not complete");
  }
}
