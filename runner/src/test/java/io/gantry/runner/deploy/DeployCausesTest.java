package io.gantry.runner.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.localecs.LocalEcsTesting;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.Resource;

/**
 * A failed deploy's message names what ECS said went wrong, in one line, and the deploy history
 * keeps it: a secret that does not exist (ResourceInitializationError) and a task no container
 * instance can hold (ECS's placement event); a crashing release's last CloudWatch log lines are
 * printed under its stop reason, and a log that cannot be read is one line there. Real local-ecs
 * and containers, through {@link EcsDeployTest}'s workflow helpers.
 */
@Tag("containers")
class DeployCausesTest {

  @TempDir static Path data;
  @TempDir static Path project;

  @BeforeAll
  static void start() {
    EcsDeployTest.data = data;
    EcsDeployTest.project = project;
    EcsDeployTest.start();
  }

  @AfterAll
  static void stop() {
    EcsDeployTest.stop();
  }

  @Test
  void aReleaseWhoseSecretDoesNotExistFailsNamingResourceInitializationError() throws Exception {
    EcsDeployTest.createService("vault", 1);
    String file =
        file(
            "vault",
            "\"secrets\": [{\"name\": \"DB_PASSWORD\", \"valueFrom\":"
                + " \"arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db\"}],",
            64);

    EcsDeployTest.Run run = EcsDeployTest.deploy("vault", file, "");

    StepResult step = run.deployStep();
    assertThat(step.conclusion().label()).as(run.text()).isEqualTo("failure");
    assertThat(step.message())
        .doesNotContain("\n")
        .contains("ECS deployment circuit breaker: tasks failed to start.")
        .containsPattern(
            "; cause: task [0-9a-f]+ could not start: ResourceInitializationError: unable to pull"
                + " secrets or registry auth: .*Secrets Manager can't find the specified secret");
    List<Deployment> history = EcsDeployTest.history("vault");
    assertThat(history.get(0).outcome())
        .isIn(DeployHistory.Outcome.ROLLED_BACK, DeployHistory.Outcome.FAILED);
    assertThat(history.get(0).message())
        .contains("cause: task ")
        .contains("ResourceInitialization");
  }

  @Test
  void aReleaseNoInstanceCanHoldTimesOutNamingThePlacementFailure() throws Exception {
    EcsDeployTest.ecs.createCluster(r -> r.clusterName("tiny"));
    EcsDeployTest.ecs.registerContainerInstance(
        r ->
            r.cluster("tiny")
                .totalResources(
                    Resource.builder().name("CPU").type("INTEGER").integerValue(1024).build(),
                    Resource.builder().name("MEMORY").type("INTEGER").integerValue(256).build()));
    String first =
        EcsDeployTest.ecs
            .registerTaskDefinition(
                r ->
                    r.family("big")
                        .containerDefinitions(
                            ContainerDefinition.builder()
                                .name("web")
                                .image(LocalEcsTesting.IMAGE)
                                .memory(64)
                                .command(LocalEcsTesting.WEB_COMMAND)
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    EcsDeployTest.ecs.createService(
        r ->
            r.cluster("tiny")
                .serviceName("big")
                .taskDefinition(first)
                .launchType(LaunchType.EC2)
                .desiredCount(1)
                .deploymentConfiguration(c -> c.minimumHealthyPercent(100).maximumPercent(200)));

    List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
    String yaml =
        EcsDeployTest.workflow("big", file("big", "", 1024), "cluster: tiny")
            .replace("wait-for-minutes: 2", "wait-for-minutes: 1");
    EcsDeployTest.Run run =
        new EcsDeployTest.Run(EcsDeployTest.await(EcsDeployTest.start(yaml, log)), log);

    StepResult step = run.deployStep();
    assertThat(step.conclusion().label()).as(run.text()).isEqualTo("failure");
    assertThat(step.message())
        .doesNotContain("\n")
        .contains("did not reach a completed rollout of big:")
        .contains(
            "; cause: ECS was unable to place a task because no container instance met all of its"
                + " requirements. The closest matching (container-instance ")
        .contains("has insufficient memory available.");
  }

  @Test
  void aCrashingReleasePrintsItsContainersLastCloudWatchLinesUnderTheStopReason() throws Exception {
    EcsDeployTest.createService("crash", 1);
    String json =
        """
        {
          "family": "crash",
          "containerDefinitions": [
            {
              "name": "web",
              "image": "%s",
              "essential": true,
              "memory": 64,
              "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                  "awslogs-group": "/ecs/crash",
                  "awslogs-create-group": "true",
                  "awslogs-stream-prefix": "app"
                }
              },
              "command": ["sh", "-c", "echo starting crash v2; echo fatal: DATABASE_URL is not set; exit 4"]
            }
          ]
        }
        """
            .formatted(LocalEcsTesting.IMAGE);
    String name = "crash-" + EcsDeployTest.files.incrementAndGet() + ".json";
    Files.writeString(project.resolve(name), json, StandardCharsets.UTF_8);

    EcsDeployTest.Run run = EcsDeployTest.deploy("crash", name, "");

    assertThat(run.deployStep().conclusion().label()).as(run.text()).isEqualTo("failure");
    List<String> log = run.log();
    int stop = -1;
    for (int i = 0; i < log.size() && stop < 0; i++) {
      if (log.get(i).startsWith("ECS: task ") && log.get(i).contains("web exited 4")) {
        stop = i;
      }
    }
    assertThat(stop).as(run.text()).isGreaterThanOrEqualTo(0);
    String stopLine = log.get(stop);
    String taskId = stopLine.substring("ECS: task ".length(), stopLine.indexOf(" (crash:"));
    assertThat(log.subList(stop + 1, Math.min(log.size(), stop + 4)))
        .as(run.text())
        .containsExactly(
            "    web, last 2 lines of CloudWatch Logs /ecs/crash app/web/" + taskId + ":",
            "      starting crash v2",
            "      fatal: DATABASE_URL is not set");
  }

  @Test
  void aLogThatCannotBeReadIsOneLineUnderTheStopReasonAndTheCauseStaysEcss() throws Exception {
    EcsDeployTest.createService("nolog", 1);
    String name =
        file(
            "nolog",
            """
            "logConfiguration": {"logDriver": "awslogs", "options":
              {"awslogs-group": "/ecs/never-created", "awslogs-stream-prefix": "app"}},
            """,
            64);

    EcsDeployTest.Run run = EcsDeployTest.deploy("nolog", name, "");

    StepResult step = run.deployStep();
    assertThat(step.conclusion().label()).as(run.text()).isEqualTo("failure");
    assertThat(step.message())
        .contains("; cause: task ")
        .contains("could not start: CannotStartContainerError");
    List<String> log = run.log();
    int stop = -1;
    for (int i = 0; i < log.size() && stop < 0; i++) {
      if (log.get(i).startsWith("ECS: task ") && log.get(i).contains("(nolog:")) {
        stop = i;
      }
    }
    assertThat(stop).as(run.text()).isGreaterThanOrEqualTo(0);
    assertThat(log.get(stop + 1))
        .as(run.text())
        .startsWith("    web log not read: CloudWatch Logs GetLogEvents at ")
        .contains("ResourceNotFoundException: The specified log group does not exist.");
  }

  /** A task definition file of a web container with {@code extra} fields and memory. */
  private static String file(String family, String extra, int memory) throws Exception {
    String json =
        """
        {
          "family": "%s",
          "containerDefinitions": [
            {
              "name": "web",
              "image": "%s",
              "essential": true,
              "memory": %d,
              %s
              "command": ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h / & wait"]
            }
          ]
        }
        """
            .formatted(family, LocalEcsTesting.IMAGE, memory, extra);
    String name = family + "-" + EcsDeployTest.files.incrementAndGet() + ".json";
    Files.writeString(project.resolve(name), json, StandardCharsets.UTF_8);
    return name;
  }
}
