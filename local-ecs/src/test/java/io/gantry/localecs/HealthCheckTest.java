package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.HealthCheck;
import software.amazon.awssdk.services.ecs.model.Task;

/** Container health checks leave no processes behind (each probe's exec session is gone). */
@Tag("containers")
class HealthCheckTest {

  @TempDir Path dataDir;

  @Test
  void manyProbesLeaveOnlyTheContainersOwnConmon() throws Exception {
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      // Healthy only after 4 s: until then a probe runs every 250 ms, and fails (about 16 probes).
      ecs.registerTaskDefinition(
          r ->
              r.family("slow")
                  .containerDefinitions(
                      ContainerDefinition.builder()
                          .name("app")
                          .image(TestImages.BUSYBOX)
                          .command(
                              "sh",
                              "-c",
                              "trap 'exit 0' TERM; sleep 4; echo > /tmp/ok; sleep 600 & wait")
                          .healthCheck(
                              HealthCheck.builder()
                                  .command("CMD-SHELL", "test -f /tmp/ok")
                                  .interval(5)
                                  .retries(3)
                                  .build())
                          .memory(32)
                          .stopTimeout(2)
                          .build()));
      String arn = ecs.runTask(r -> r.taskDefinition("slow")).tasks().get(0).taskArn();
      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> EcsApiTest.describeIn(ecs, arn).healthStatusAsString().equals("HEALTHY"));
      Task task = EcsApiTest.describeIn(ecs, arn);
      String containerId = task.containers().get(0).runtimeId();
      assertThat(task.containers().get(0).healthStatusAsString()).isEqualTo("HEALTHY");
      // The container's own conmon, and at most one probe's pair still ending.
      assertThat(
              ChildrenTest.processesWith("conmon").stream()
                  .filter(pid -> cmdline(pid).contains(containerId))
                  .count())
          .isBetween(1L, 3L);

      // A check that fails turns the container UNHEALTHY, as before.
      ecs.registerTaskDefinition(
          r ->
              r.family("sick")
                  .containerDefinitions(
                      ContainerDefinition.builder()
                          .name("app")
                          .image(TestImages.BUSYBOX)
                          .command("sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait")
                          .healthCheck(
                              HealthCheck.builder()
                                  .command("CMD", "false")
                                  .interval(5)
                                  .retries(1)
                                  .build())
                          .memory(32)
                          .stopTimeout(2)
                          .build()));
      String sick = ecs.runTask(r -> r.taskDefinition("sick")).tasks().get(0).taskArn();
      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> EcsApiTest.describeIn(ecs, sick).healthStatusAsString().equals("UNHEALTHY"));
    }
  }

  private static String cmdline(long pid) {
    try {
      return new String(
              java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              java.nio.charset.StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
