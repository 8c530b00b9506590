package io.gantry.server;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gantry.runner.expression.Expressions;
import io.gantry.server.config.ConfigException;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local-ecs:} in gantry.yml: the server starts it and points every run's AWS clients at it.
 */
@Tag("containers")
class LocalEcsEmbeddingTest {

  @TempDir Path dir;

  @Test
  void aRunOfTheServerTalksToTheEmbeddedLocalEcsThroughItsEnvironment() throws Exception {
    requireContainers();
    ServerConfig config = load("local-ecs:\n  port: 0\n  region: eu-west-1\n");
    assertThat(config.localEcs().dataDir()).isEqualTo(dir.resolve("data/local-ecs"));
    try (GantryServer server = GantryServer.start(config)) {
      String endpoint = server.localEcs().orElseThrow().endpoint().toString();
      Path workflow = dir.resolve("repo/.github/workflows/ecs.yml");
      Files.createDirectories(workflow.getParent());
      Files.writeString(
          workflow,
          "on: workflow_dispatch\njobs:\n  list:\n    runs-on: x\n    steps:\n"
              + "      - run: |\n"
              + "          echo \"endpoint=$AWS_ENDPOINT_URL_ECS region=$AWS_REGION\"\n"
              + "          curl -sf -X POST -H 'Content-Type: application/x-amz-json-1.1'"
              + " -H 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters'"
              + " -d '{}' \"$AWS_ENDPOINT_URL_ECS\"\n");
      git(dir.resolve("repo"), "init", "-q", "-b", "main");
      git(dir.resolve("repo"), "add", ".");
      git(
          dir.resolve("repo"),
          "-c",
          "user.name=t",
          "-c",
          "user.email=t@example.com",
          "commit",
          "-q",
          "-m",
          "x");
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                  .header("Authorization", "Bearer t0ken")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"repo\":\"acme/ecs\",\"ref\":\"main\",\"workflow\":\"ecs.yml\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      long id = ((Number) ((Map<?, ?>) Expressions.fromJson(created.body())).get("id")).longValue();
      Map<?, ?> run = Map.of();
      for (int i = 0; i < 600 && !"COMPLETED".equals(run.get("status")); i++) {
        Thread.sleep(100);
        run = (Map<?, ?>) Expressions.fromJson(get(http, base + "/api/runs/" + id));
      }
      String logs = get(http, base + "/api/runs/" + id + "/logs");
      assertThat(run.get("conclusion")).as(logs).isEqualTo("success");
      assertThat(logs)
          .contains("endpoint=" + endpoint + " region=eu-west-1")
          .contains("\"clusterArns\":[\"arn:aws:ecs:eu-west-1:");
    }
  }

  @Test
  void theSectionIsCheckedLikeTheRest() throws Exception {
    assertThat(load("local-ecs:\n  enabled: false\n").localEcs()).isNull();
    assertThat(load("").localEcs()).isNull();
    assertThat(load("local-ecs: {}\n").localEcs().port()).isEqualTo(4566);
    assertThat(load("local-ecs: {}\n").localEcs().stopTasksOnClose()).isFalse();
    assertThat(load("local-ecs:\n  stop-tasks-on-close: true\n").localEcs().stopTasksOnClose())
        .isTrue();
    assertThatThrownBy(() -> load("local-ecs:\n  stop-tasks-on-close: yes\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("local-ecs.stop-tasks-on-close must be true or false, got 'yes'");
    assertThatThrownBy(() -> load("local-ecs:\n  prot: 1\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("local-ecs")
        .hasMessageContaining("prot");
    assertThatThrownBy(() -> load("local-ecs:\n  enabled: maybe\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("local-ecs.enabled must be true or false, got 'maybe'");
  }

  private ServerConfig load(String extra) throws Exception {
    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: t0ken\n"
            + "repositories:\n  - name: acme/ecs\n    forge: git\n    clone-url: file://"
            + dir.resolve("repo")
            + "\n    webhook-secret: s\n"
            + extra);
    return new ConfigLoader(Map.<String, String>of()::get).load(file);
  }

  private static String get(HttpClient http, String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer t0ken").build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Podman and the registry: absent, the test is skipped, but with CI=true it fails. */
  private static void requireContainers() {
    boolean present = onPath("podman") && onPath("docker-registry") && onPath("htpasswd");
    if ("true".equals(System.getenv("CI")) && !present) {
      throw new AssertionError(
          "CI=true but podman, docker-registry or htpasswd is missing; run scripts/setup");
    }
    assumeTrue(present, "podman, docker-registry and htpasswd are needed (scripts/setup)");
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
