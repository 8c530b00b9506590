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
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag pushes from GitHub, Gitea and GitLab, signed as each forge signs and posted to a live server
 * whose repositories are one real bare repository: each starts a run with {@code
 * GITHUB_REF_TYPE=tag}, and a tag deletion starts nothing. The payloads follow the forges'
 * documented push examples (GitHub's "push" webhook payload, Gitea's push payload, which copies
 * GitHub's, and GitLab's "Tag push events" example), trimmed to the fields Gantry reads.
 */
class TagPushTest {

  private static final String SECRET = "tag-secret-123";
  private static final String ZEROS = "0".repeat(40);

  @TempDir Path dir;
  private Path bare;
  private String sha;
  private GantryServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "config", "user.email", "dev@example.com");
    GitRepos.git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/release.yml"),
        "name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  tag:\n    runs-on: x\n    steps:\n"
            + "      - run: echo \"type=$GITHUB_REF_TYPE name=$GITHUB_REF_NAME repo=$GITHUB_REPOSITORY\"\n");
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", "release workflow");
    GitRepos.git(work, "tag", "v1.2.0");
    sha = GitRepos.git(work, "rev-parse", "HEAD").strip();
    GitRepos.git(work, "push", "-q", bare.toString(), "main", "v1.2.0");

    StringBuilder repos = new StringBuilder();
    for (String forge : List.of("github", "gitea", "gitlab")) {
      repos
          .append("  - name: acme/")
          .append(forge)
          .append("\n    forge: ")
          .append(forge)
          .append("\n    clone-url: file://")
          .append(bare)
          .append("\n    webhook-secret: ")
          .append(SECRET)
          .append('\n');
    }
    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: t0ken-123\n"
            + "  workers: 2\nrepositories:\n"
            + repos);
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
  void aTagPushFromEachForgeRunsWithRefTypeTagAndATagDeletionRunsNothing() throws Exception {
    for (String forge : List.of("github", "gitea", "gitlab")) {
      HttpResponse<String> pushed = deliver(forge, payload(forge, ZEROS, sha));
      assertThat(pushed.statusCode()).as(forge + ": " + pushed.body()).isEqualTo(202);
      List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(pushed.body())).get("runs");
      assertThat(runs).as(forge + ": " + pushed.body()).hasSize(1);
      long id = ((Number) runs.get(0)).longValue();
      Map<?, ?> run = awaitCompleted(id);
      assertThat(run.get("conclusion")).as(forge + ": " + run).isEqualTo("success");
      assertThat(run.get("ref")).isEqualTo("refs/tags/v1.2.0");
      assertThat(get("/api/runs/" + id + "/logs"))
          .contains("type=tag name=v1.2.0 repo=acme/" + forge);

      HttpResponse<String> deleted = deliver(forge, payload(forge, sha, ZEROS));
      assertThat(deleted.statusCode()).as(forge + ": " + deleted.body()).isEqualTo(202);
      assertThat(deleted.body()).contains("refs/tags/v1.2.0 was deleted; nothing to run");
    }
    Map<?, ?> all = (Map<?, ?>) Expressions.fromJson(get("/api/runs?limit=50"));
    assertThat((List<?>) all.get("runs")).hasSize(3);
  }

  private String payload(String forge, String before, String after) {
    String deleted = String.valueOf(after.equals(ZEROS));
    String created = String.valueOf(before.equals(ZEROS));
    if (forge.equals("gitlab")) {
      String checkout = after.equals(ZEROS) ? "null" : "\"" + after + "\"";
      return "{\"object_kind\":\"tag_push\",\"event_name\":\"tag_push\",\"before\":\""
          + before
          + "\",\"after\":\""
          + after
          + "\",\"ref\":\"refs/tags/v1.2.0\",\"checkout_sha\":"
          + checkout
          + ",\"user_id\":1,\"user_name\":\"John Smith\",\"user_username\":\"jsmith\","
          + "\"project_id\":1,\"project\":{\"id\":1,\"name\":\"gitlab\","
          + "\"path_with_namespace\":\"acme/gitlab\",\"default_branch\":\"main\","
          + "\"git_http_url\":\"file://"
          + bare
          + "\"},\"commits\":[],\"total_commits_count\":0,"
          + "\"repository\":{\"name\":\"gitlab\",\"homepage\":\"http://example.com/acme/gitlab\"}}";
    }
    String pusher =
        forge.equals("github")
            ? "{\"name\":\"octocat\",\"email\":\"octocat@example.com\"}"
            : "{\"login\":\"gitea\",\"username\":\"gitea\"}";
    return "{\"ref\":\"refs/tags/v1.2.0\",\"before\":\""
        + before
        + "\",\"after\":\""
        + after
        + "\",\"created\":"
        + created
        + ",\"deleted\":"
        + deleted
        + ",\"forced\":false,"
        + "\"base_ref\":null,\"commits\":[],\"head_commit\":null,"
        + "\"repository\":{\"id\":1,\"name\":\""
        + forge
        + "\",\"full_name\":\"acme/"
        + forge
        + "\",\"clone_url\":\"file://"
        + bare
        + "\",\"default_branch\":\"main\","
        + "\"owner\":{\"login\":\"acme\"}},\"pusher\":"
        + pusher
        + ",\"sender\":{\"login\":\"octocat\"}}";
  }

  private HttpResponse<String> deliver(String forge, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/hooks/" + forge))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    String id = UUID.randomUUID().toString();
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(
            SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
    String hmac =
        java.util.HexFormat.of()
            .formatHex(mac.doFinal(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    switch (forge) {
      case "github" ->
          request
              .header("X-GitHub-Event", "push")
              .header("X-GitHub-Delivery", id)
              .header("X-Hub-Signature-256", "sha256=" + hmac);
      case "gitea" ->
          request
              .header("X-Gitea-Event", "push")
              .header("X-Gitea-Delivery", id)
              .header("X-Gitea-Signature", hmac);
      default ->
          request
              .header("X-Gitlab-Event", "Tag Push Hook")
              .header("X-Gitlab-Event-UUID", id)
              .header("X-Gitlab-Token", SECRET);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
                .header("Authorization", "Bearer t0ken-123")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
