package io.gantry.runner.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Which cause a failed rollout names, from ECS's own words (stop reasons and service events as
 * local-ecs and ECS write them; {@link DeployCausesTest} shows the same against real containers).
 * Here the order between causes and the scaling interference, which needs an auto scaling policy
 * acting in the middle of a deploy to happen for real.
 */
class RolloutCauseTest {

  private static final String ARN = "arn:aws:ecs:us-east-1:000000000000:task/default/";

  @Test
  void aDesiredCountChangedDuringTheDeployIsNamedWhenNothingElseExplainsTheFailure() {
    RolloutCause cause = new RolloutCause(2);
    cause.desiredCount(2);
    cause.desiredCount(4);
    cause.desiredCount(3);

    assertThat(cause.explain("the deployment did not complete within 10 minutes"))
        .isEqualTo(
            "the deployment did not complete within 10 minutes; cause: scaling interfered: the"
                + " desired count changed from 2 to 4 during the deploy (service auto scaling or"
                + " another UpdateService)");
  }

  @Test
  void anAutoScalingEventIsQuotedAsTheInterference() {
    RolloutCause cause = new RolloutCause(2);
    cause.event("(service web) has started 1 tasks: (task 1234).");
    cause.event(
        "Message: Application Auto Scaling scaled service web from 2 to 4 (CPU above target)");
    cause.desiredCount(4);

    assertThat(cause.cause())
        .isEqualTo(
            "scaling interfered: Application Auto Scaling scaled service web from 2 to 4 (CPU"
                + " above target)");
  }

  @Test
  void aTaskThatCouldNotGetItsSecretWinsOverScalingAndOverExitedContainers() {
    RolloutCause cause = new RolloutCause(2);
    cause.desiredCount(3);
    cause.stopped(
        Task.builder()
            .taskArn(ARN + "aaa")
            .stoppedReason("Essential container in task exited")
            .containers(Container.builder().name("web").exitCode(3).build())
            .build());
    cause.stopped(
        Task.builder()
            .taskArn(ARN + "bbb")
            .stoppedReason(
                "ResourceInitializationError: unable to pull secrets or registry auth:\n"
                    + "  Secrets Manager can't find the specified secret")
            .build());

    assertThat(cause.cause())
        .isEqualTo(
            "task bbb could not start: ResourceInitializationError: unable to pull secrets or"
                + " registry auth: Secrets Manager can't find the specified secret"
                + " (and 1 more stopped tasks)");
  }

  @Test
  void anExitedContainerIsNamedWithItsExitCodeAndNoCauseLeavesTheMessageAlone() {
    RolloutCause exited = new RolloutCause(1);
    exited.stopped(
        Task.builder()
            .taskArn(ARN + "ccc")
            .stoppedReason("Essential container in task exited")
            .containers(
                Container.builder().name("sidecar").exitCode(0).build(),
                Container.builder().name("web").exitCode(137).build())
            .build());
    assertThat(exited.cause())
        .isEqualTo("task ccc stopped: Essential container in task exited (web exited 137)");

    RolloutCause none = new RolloutCause(-1);
    none.desiredCount(5);
    none.event("(service web) has reached a steady state.");
    assertThat(none.explain("ECS deployment ecs-svc/1 failed: tasks failed to start"))
        .isEqualTo("ECS deployment ecs-svc/1 failed: tasks failed to start");
  }
}
