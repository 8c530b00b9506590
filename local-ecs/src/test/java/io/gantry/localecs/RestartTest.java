package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gantry.engine.DockerEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.Task;

/** Stopping local-ecs leaves the tasks running; starting it again finds them and the state. */
@Tag("containers")
class RestartTest {

  @TempDir Path dataDir;

  static List<Task> tasks(EcsClient ecs) {
    List<String> arns = ecs.listTasks(r -> r.serviceName("web")).taskArns();
    return arns.isEmpty() ? List.of() : ecs.describeTasks(r -> r.tasks(arns)).tasks();
  }

  static Service service(EcsClient ecs) {
    return ecs.describeServices(r -> r.services("web")).services().get(0);
  }

  @Test
  void aRestartDuringASteadyStateFindsTheServicesAndTasksAgain() throws Exception {
    TestSupport.requireContainers();
    LocalEcs.Options options = TestSupport.options(dataDir).withStopTasksOnClose(false);
    List<String> before;
    String deployment;
    try (LocalEcs first = LocalEcs.start(options);
        EcsClient ecs = TestSupport.ecs(first.endpoint())) {
      try (DockerEngine engine = new DockerEngine(first.dockerHost())) {
        TestImages.ensure(engine);
      }
      ecs.registerTaskDefinition(r -> r.family("web").containerDefinitions(EcsApiTest.web("v1")));
      ecs.createService(r -> r.serviceName("web").taskDefinition("web").desiredCount(2));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> "COMPLETED".equals(service(ecs).deployments().get(0).rolloutStateAsString()));
      before = tasks(ecs).stream().map(Task::taskArn).sorted().toList();
      deployment = service(ecs).deployments().get(0).id();
    }

    try (LocalEcs second = LocalEcs.start(options.withStopTasksOnClose(true));
        EcsClient ecs = TestSupport.ecs(second.endpoint())) {
      Service service = service(ecs);
      assertThat(service.deployments()).hasSize(1);
      assertThat(service.deployments().get(0).id()).isEqualTo(deployment);
      assertThat(service.deployments().get(0).rolloutStateAsString()).isEqualTo("COMPLETED");
      assertThat(
              ecs.describeTaskDefinition(r -> r.taskDefinition("web")).taskDefinition().revision())
          .isEqualTo(1);
      // Same tasks, still running and answering, none replaced.
      Thread.sleep(1000);
      List<Task> after = tasks(ecs);
      assertThat(after.stream().map(Task::taskArn).sorted().toList()).isEqualTo(before);
      for (Task t : after) {
        assertThat(t.lastStatus()).isEqualTo("RUNNING");
        assertThat(EcsApiTest.get(t.containers().get(0).networkBindings().get(0).hostPort()))
            .isEqualTo("v1");
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> tasks(ecs).stream().allMatch(t -> t.healthStatusAsString().equals("HEALTHY")));

      // The recovered tasks are watched again: a container killed outside is replaced.
      try (DockerEngine engine = new DockerEngine(second.dockerHost())) {
        String victim = after.get(0).containers().get(0).runtimeId();
        engine.stop(victim, Duration.ZERO);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    EcsApiTest.describeIn(ecs, after.get(0).taskArn())
                        .lastStatus()
                        .equals("STOPPED"));
        assertThat(EcsApiTest.describeIn(ecs, after.get(0).taskArn()).stoppedReason())
            .isEqualTo("Essential container in task exited");
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    tasks(ecs).stream().filter(t -> t.lastStatus().equals("RUNNING")).count() == 2);
        assertThat(engine.list(Map.of(TaskRunner.LABEL_TASK, after.get(0).taskArn()))).isEmpty();
      }
    }
  }
}
