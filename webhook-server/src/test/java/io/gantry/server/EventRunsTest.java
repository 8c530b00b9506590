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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code repository_dispatch} through the API and {@code workflow_run} chaining, with a real bare
 * repository and a server on 127.0.0.1: a dispatch runs "ci", whose completion runs "deploy".
 */
class EventRunsTest {

  private static final String TOKEN = "t0ken-123";

  @TempDir Path dir;
  private GantryServer server;
  private String sha;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "config", "user.email", "dev@example.com");
    GitRepos.git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "name: ci\non:\n  repository_dispatch:\n    types: [build]\njobs:\n  test:\n    runs-on: x\n"
            + "    steps:\n      - run: echo \"ci for ${{ github.event.action }}"
            + " ${{ github.event.client_payload.target }} on $GITHUB_REF\"\n");
    Files.writeString(
        work.resolve(".github/workflows/deploy.yml"),
        "name: deploy\non:\n  workflow_run:\n    workflows: [ci]\n    types: [completed]\njobs:\n"
            + "  deploy:\n    runs-on: x\n"
            + "    if: ${{ github.event.workflow_run.conclusion == 'success' }}\n    steps:\n"
            + "      - run: echo \"deploying after ${{ github.event.workflow_run.name }}"
            + " ${{ github.event.workflow_run.conclusion }} $GITHUB_EVENT_NAME\"\n");
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", "two workflows");
    sha = GitRepos.git(work, "rev-parse", "HEAD").strip();
    GitRepos.git(work, "push", "-q", bare.toString(), "main");

    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n"
            + "  workers: 2\nrepositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: s3cret-456\n");
    ServerConfig config = new ConfigLoader(Map.<String, String>of()::get).load(file);
    server = GantryServer.start(config, Duration.ofSeconds(30), StatusPosting.forges());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aDispatchRunsCiOnTheDefaultBranchAndItsCompletionRunsDeploy() throws Exception {
    HttpResponse<String> response =
        post(
            "/api/repos/acme/web/dispatches",
            "{\"event_type\":\"build\",\"client_payload\":{\"target\":\"staging\"}}",
            TOKEN);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(response.body())).get("runs");
    assertThat(runs).hasSize(1);
    long ci = ((Number) runs.get(0)).longValue();

    Map<?, ?> ciRun = awaitCompleted(ci);
    assertThat(ciRun.get("conclusion")).as(String.valueOf(ciRun)).isEqualTo("success");
    assertThat(ciRun.get("event")).isEqualTo("repository_dispatch");
    assertThat(ciRun.get("sha")).isEqualTo(sha);
    assertThat(get("/api/runs/" + ci + "/logs"))
        .contains("ci for build staging on refs/heads/main");

    long deployId = ((Number) awaitRunOf("deploy").get("id")).longValue();
    Map<?, ?> deploy = awaitCompleted(deployId);
    assertThat(deploy.get("conclusion")).as(String.valueOf(deploy)).isEqualTo("success");
    assertThat(deploy.get("event")).isEqualTo("workflow_run");
    assertThat(get("/api/runs/" + deployId + "/logs"))
        .contains("deploying after ci success workflow_run");
  }

  @Test
  void aDispatchIsAuthenticatedValidatedAndFilteredByType() throws Exception {
    assertThat(
            post("/api/repos/acme/web/dispatches", "{\"event_type\":\"build\"}", "wrong")
                .statusCode())
        .isEqualTo(401);
    HttpResponse<String> noType = post("/api/repos/acme/web/dispatches", "{}", TOKEN);
    assertThat(noType.statusCode()).isEqualTo(400);
    assertThat(noType.body()).contains("'event_type' is required");
    assertThat(
            post("/api/repos/acme/nope/dispatches", "{\"event_type\":\"build\"}", TOKEN)
                .statusCode())
        .isEqualTo(404);

    HttpResponse<String> other =
        post("/api/repos/acme/web/dispatches", "{\"event_type\":\"release\"}", TOKEN);
    assertThat(other.statusCode()).isEqualTo(202);
    assertThat(other.body())
        .contains("\"runs\":[]")
        .contains("on.repository_dispatch.types does not list 'release'");
  }

  private Map<?, ?> awaitRunOf(String workflow) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> body = (Map<?, ?>) Expressions.fromJson(get("/api/runs?limit=50"));
      for (Object r : (List<?>) body.get("runs")) {
        if (workflow.equals(((Map<?, ?>) r).get("workflow"))) {
          return (Map<?, ?>) r;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no run of " + workflow + ": " + get("/api/runs?limit=50"));
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run = (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
      if ("COMPLETED".equals(run.get("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + id + " did not complete: " + get("/api/runs/" + id));
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> post(String path, String body, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
