package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.LogConfiguration;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.Task;

/** The awslogs driver and the CloudWatch Logs API, through the official AWS CLI v2. */
@Tag("containers")
class AwsLogsTest {

  @TempDir Path dataDir;

  static ContainerDefinition chatty(String group, String createGroup) {
    return ContainerDefinition.builder()
        .name("app")
        .image(TestImages.BUSYBOX)
        .command(
            "sh",
            "-c",
            "trap 'exit 0' TERM; echo 'ERROR boom'; i=0; while true; do echo \"line $i\"; i=$((i+1));"
                + " sleep 1; done")
        .memory(32)
        .stopTimeout(2)
        .logConfiguration(
            LogConfiguration.builder()
                .logDriver(LogDriver.AWSLOGS)
                .options(
                    java.util.Map.of(
                        "awslogs-group",
                        group,
                        "awslogs-region",
                        "us-east-1",
                        "awslogs-stream-prefix",
                        "web",
                        "awslogs-create-group",
                        createGroup))
                .build())
        .build();
  }

  @Test
  void awsLogsTailFollowsARunningServiceAndTheLogsApiAnswersAsCloudWatchDoes() throws Exception {
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      AwsCli aws = AwsCli.at(local.endpoint());
      ecs.registerTaskDefinition(
          r -> r.family("chatty").containerDefinitions(chatty("/ecs/chatty", "true")));
      ecs.createService(r -> r.serviceName("chatty").taskDefinition("chatty").desiredCount(1));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  EcsApiTest.tasksIn(ecs, "chatty").stream()
                      .anyMatch(t -> t.lastStatus().equals("RUNNING")));
      String taskId = Arns.lastPart(EcsApiTest.tasksIn(ecs, "chatty").get(0).taskArn());
      String stream = "web/app/" + taskId;

      // aws logs tail --follow: lines appear as the container writes them, with ECS's stream name.
      Process tail =
          aws.command("logs", "tail", "/ecs/chatty", "--follow", "--since", "10m").start();
      List<String> lines = new CopyOnWriteArrayList<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(tail.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                  }
                } catch (java.io.IOException e) {
                  // the process was stopped
                }
              });
      reader.start();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> lines.stream().anyMatch(l -> l.endsWith(" " + stream + " line 12")));
      } finally {
        tail.destroy();
        tail.waitFor();
      }
      assertThat(lines).anyMatch(l -> l.endsWith(" " + stream + " ERROR boom"));
      // Each line once, in order.
      List<String> numbered = lines.stream().filter(l -> l.contains(" line ")).toList();
      for (int i = 0; i < numbered.size(); i++) {
        assertThat(numbered.get(i)).endsWith(" line " + i);
      }

      AwsCli.Result streams =
          aws.run("logs", "describe-log-streams", "--log-group-name", "/ecs/chatty");
      assertThat(streams.exitCode()).isZero();
      assertThat(streams.stdout()).contains("\"logStreamName\": \"" + stream + "\"");
      AwsCli.Result groups =
          aws.run("logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/");
      assertThat(groups.stdout()).contains("\"logGroupName\": \"/ecs/chatty\"");

      AwsCli.Result errors =
          aws.run(
              "logs",
              "filter-log-events",
              "--log-group-name",
              "/ecs/chatty",
              "--filter-pattern",
              "?ERROR ?WARN",
              "--query",
              "events[].message",
              "--output",
              "text");
      assertThat(errors.exitCode()).isZero();
      assertThat(errors.stdout().strip()).isEqualTo("ERROR boom");
      AwsCli.Result notFive =
          aws.run(
              "logs",
              "filter-log-events",
              "--log-group-name",
              "/ecs/chatty",
              "--filter-pattern",
              "\"line 1\" -\"line 10\"",
              "--query",
              "events[].message",
              "--output",
              "text");
      assertThat(notFive.stdout().strip().split("\t"))
          .contains("line 1", "line 11")
          .doesNotContain("line 10");

      AwsCli.Result first =
          aws.run(
              "logs",
              "get-log-events",
              "--log-group-name",
              "/ecs/chatty",
              "--log-stream-name",
              stream,
              "--start-from-head",
              "--limit",
              "2",
              "--query",
              "events[].message",
              "--output",
              "text");
      assertThat(first.stdout().strip()).isEqualTo("ERROR boom\tline 0");

      // Errors in Logs' types and words.
      AwsCli.Result exists = aws.run("logs", "create-log-group", "--log-group-name", "/ecs/chatty");
      assertThat(exists.exitCode()).isNotZero();
      assertThat(exists.stderr())
          .contains("ResourceAlreadyExistsException")
          .contains("The specified log group already exists");
      AwsCli.Result missing =
          aws.run(
              "logs", "get-log-events", "--log-group-name", "/ecs/nope", "--log-stream-name", "x");
      assertThat(missing.stderr())
          .contains("ResourceNotFoundException")
          .contains("The specified log group does not exist.");
      AwsCli.Result json =
          aws.run(
              "logs",
              "filter-log-events",
              "--log-group-name",
              "/ecs/chatty",
              "--filter-pattern",
              "{ $.level = 1 }");
      assertThat(json.stderr()).contains("InvalidParameterException");
    }
  }

  @Test
  void aMissingLogGroupStopsTheTaskAndBadOptionsAreRefused() {
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      ecs.registerTaskDefinition(
          r -> r.family("nogroup").containerDefinitions(chatty("/ecs/absent", "false")));
      String arn = ecs.runTask(r -> r.taskDefinition("nogroup")).tasks().get(0).taskArn();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> EcsApiTest.describeIn(ecs, arn).lastStatus().equals("STOPPED"));
      Task task = EcsApiTest.describeIn(ecs, arn);
      assertThat(task.stoppedReason())
          .isEqualTo(
              "CannotStartContainerError: Error response from daemon: failed to initialize logging"
                  + " driver: failed to create Cloudwatch log stream: ResourceNotFoundException:"
                  + " The specified log group does not exist.");

      ContainerDefinition unknownOption =
          chatty("/ecs/x", "true").toBuilder()
              .logConfiguration(
                  LogConfiguration.builder()
                      .logDriver(LogDriver.AWSLOGS)
                      .options(java.util.Map.of("awslogs-group", "/ecs/x", "awslogs-colour", "red"))
                      .build())
              .build();
      assertThatThrownBy(
              () ->
                  ecs.registerTaskDefinition(
                      r -> r.family("bad").containerDefinitions(unknownOption)))
          .isInstanceOf(ClientException.class)
          .hasMessageStartingWith(
              "Container 'app': unknown log opt 'awslogs-colour' for awslogs log driver.");
      ContainerDefinition noGroup =
          unknownOption.toBuilder()
              .logConfiguration(
                  LogConfiguration.builder()
                      .logDriver(LogDriver.AWSLOGS)
                      .options(java.util.Map.of("awslogs-stream-prefix", "p"))
                      .build())
              .build();
      assertThatThrownBy(
              () -> ecs.registerTaskDefinition(r -> r.family("bad").containerDefinitions(noGroup)))
          .isInstanceOf(ClientException.class)
          .hasMessageContaining("must specify a value for log opt 'awslogs-group'");
    }
  }
}
