package io.gantry.cli;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.localecs.LocalEcs;
import io.gantry.localecs.LocalEcsTesting;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;

/**
 * A server that runs no job itself ({@code workers: 0}, an embedded local-ecs running tasks as
 * Podman containers) and a real {@code gantry agent} process running a job that deploys through
 * {@code aws-actions/amazon-ecs-deploy-task-definition}: the deploy is recorded in the server's
 * history (its deployments API lists it with the job's run and commit), none in the agent's own
 * data directory.
 */
@Tag("containers")
class AgentDeployHistoryTest {

  private static final String TOKEN = "agent-deploys-api-token";

  @TempDir Path dir;
  private GantryServer server;
  private EcsClient ecs;
  private Process agent;

  @AfterEach
  void stop() throws Exception {
    try {
      if (agent != null) {
        agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      if (ecs != null) {
        Set<String> tasks = new HashSet<>(tasks());
        try {
          ecs.deleteService(r -> r.service("web").force(true));
        } catch (RuntimeException notCreated) {
          // the test failed before creating it
        }
        for (int i = 0;
            i < 300
                && !ecs.listTasks(r -> r.desiredStatus(DesiredStatus.RUNNING)).taskArns().isEmpty();
            i++) {
          Thread.sleep(100);
        }
        tasks.addAll(tasks());
        LocalEcsTesting.removeContainers(server.localEcs().orElseThrow(), tasks);
        ecs.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private List<String> tasks() {
    List<String> arns =
        new ArrayList<>(ecs.listTasks(r -> r.desiredStatus(DesiredStatus.RUNNING)).taskArns());
    arns.addAll(ecs.listTasks(r -> r.desiredStatus(DesiredStatus.STOPPED)).taskArns());
    return arns;
  }

  @Test
  void aDeployOnAnAgentIsRecordedInTheServersHistoryNotTheAgents() throws Exception {
    LocalEcsTesting.requireContainers();
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(
        repo.resolve(".github/workflows/deploy.yml"),
        """
        name: deploy
        on: workflow_dispatch
        jobs:
          deploy:
            runs-on: [self-hosted, deployer]
            steps:
              - uses: actions/checkout@v4
              - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
                with:
                  task-definition: td.json
                  service: web
                  wait-for-minutes: 2
        """);
    // The task definition comes with the commit: the agent checks it out through its own mirror.
    Files.writeString(
        repo.resolve("td.json"),
        """
        {"family": "web", "containerDefinitions": [{"name": "web", "image": "%s",
         "essential": true, "memory": 64,
         "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]}]}
        """
            .formatted(LocalEcsTesting.IMAGE));
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x");
    String sha = git(repo, "rev-parse", "HEAD").strip();
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 0\n  public-read: true\nrepositories:\n  - name: acme/web\n"
            + "    forge: git\n    clone-url: file://"
            + repo
            + "\n    webhook-secret: s\nlocal-ecs:\n  port: 0\n  region: us-east-1\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
    LocalEcs localEcs = server.localEcs().orElseThrow();
    LocalEcsTesting.loadTestImage(localEcs);
    ecs =
        EcsClient.builder()
            .endpointOverride(localEcs.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    String first =
        ecs.registerTaskDefinition(
                r ->
                    r.family("web")
                        .containerDefinitions(
                            ContainerDefinition.builder()
                                .name("web")
                                .image(LocalEcsTesting.IMAGE)
                                .essential(true)
                                .memory(64)
                                .command("sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait")
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.createService(
        r ->
            r.serviceName("web")
                .taskDefinition(first)
                .desiredCount(1)
                .deploymentConfiguration(c -> c.minimumHealthyPercent(0).maximumPercent(200)));

    ServerApi api = new ServerApi(server.port(), TOKEN);
    String token = api.addAgent("deployer", "deployer");
    agent = api.startAgent(dir, "D", token, "agent");
    Map<?, ?> created =
        api.post("/api/runs", Map.of("repo", "acme/web", "ref", "main", "workflow", "deploy.yml"));
    long run = ((Number) created.get("id")).longValue();
    ServerApi.until(
        Duration.ofMinutes(4), () -> "COMPLETED".equals(api.get("/api/runs/" + run).get("status")));
    assertThat(api.get("/api/runs/" + run).get("conclusion"))
        .as(api.text("/api/runs/" + run + "/logs"))
        .isEqualTo("success");
    assertThat(api.text("/api/runs/" + run + "/logs")).contains("Checked out acme/web at " + sha);

    List<?> rows = (List<?>) api.get("/api/services/default/web/deployments").get("deployments");
    assertThat(rows).hasSize(1);
    Map<?, ?> row = (Map<?, ?>) rows.get(0);
    assertThat(((Number) row.get("runId")).longValue()).isEqualTo(run);
    assertThat(row.get("sha")).isEqualTo(sha);
    assertThat(row.get("kind")).isEqualTo("deploy");
    assertThat(row.get("outcome")).isEqualTo("succeeded");
    assertThat((String) row.get("taskDefinition")).endsWith("task-definition/web:2");

    // The agent's own store (its data directory) recorded nothing.
    agent.destroy();
    assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
    try (RunStore own = Stores.openEmbedded(dir.resolve("agent"))) {
      assertThat(own.deployHistory().services()).isEmpty();
    }
  }
}
