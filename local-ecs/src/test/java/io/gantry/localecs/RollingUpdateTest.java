package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.HealthCheck;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.ServiceEvent;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * ECS's rolling update on real containers: the minimumHealthyPercent / maximumPercent invariants
 * checked at every observed instant, the documented step sequences, and the circuit breaker.
 */
@Tag("containers")
class RollingUpdateTest {

  @TempDir static Path dataDir;
  static LocalEcs localEcs;
  static EcsClient ecs;

  @BeforeAll
  static void start() {
    localEcs = TestSupport.start(dataDir);
    ecs = TestSupport.ecs(localEcs.endpoint());
    ecs.createCluster(r -> r.clusterName("roll"));
  }

  @AfterAll
  static void stop() {
    if (ecs != null) {
      ecs.close();
    }
    if (localEcs != null) {
      localEcs.close();
    }
  }

  static String register(String family, String version) {
    return ecs.registerTaskDefinition(
            r -> r.family(family).containerDefinitions(EcsApiTest.web(version)))
        .taskDefinition()
        .taskDefinitionArn();
  }

  static Service service(String name) {
    return ecs.describeServices(r -> r.cluster("roll").services(name)).services().get(0);
  }

  static boolean completed(String name) {
    return "COMPLETED".equals(service(name).deployments().get(0).rolloutStateAsString());
  }

  /** A snapshot of the service's tasks not yet STOPPED (one DescribeTasks: one instant). */
  static List<Task> liveTasks(String name, Set<String> known) {
    known.addAll(ecs.listTasks(r -> r.cluster("roll").serviceName(name)).taskArns());
    known.addAll(
        ecs.listTasks(r -> r.cluster("roll").serviceName(name).desiredStatus(DesiredStatus.STOPPED))
            .taskArns());
    List<Task> live = new ArrayList<>();
    List<String> arns = new ArrayList<>(known);
    for (int i = 0; i < arns.size(); i += 100) {
      List<String> chunk = arns.subList(i, Math.min(arns.size(), i + 100));
      for (Task t : ecs.describeTasks(r -> r.cluster("roll").tasks(chunk)).tasks()) {
        if (!t.lastStatus().equals("STOPPED")) {
          live.add(t);
        }
      }
    }
    return live;
  }

  @ParameterizedTest(name = "{0}/{1} with 4 tasks: {2}")
  @CsvSource({
    "50, 100, 'stopped 2, started 2, stopped 2, started 2'",
    "100, 200, 'started 4, stopped 4'",
    "0, 100, 'stopped 4, started 4'"
  })
  void aRollingUpdateKeepsTheInvariantsAtEveryObservedInstant(
      int minPercent, int maxPercent, String expectedSteps) throws Exception {
    String name = "web-" + minPercent + "-" + maxPercent;
    register(name, "v1");
    ecs.createService(
        r ->
            r.cluster("roll")
                .serviceName(name)
                .taskDefinition(name)
                .desiredCount(4)
                .deploymentConfiguration(
                    c -> c.minimumHealthyPercent(minPercent).maximumPercent(maxPercent)));
    await().atMost(Duration.ofSeconds(60)).until(() -> completed(name));

    int minHealthy = (int) Math.ceil(4 * minPercent / 100.0);
    int maxTotal = 4 * maxPercent / 100;
    String v2 = register(name, "v2");
    Instant updatedAt = Instant.now().minusMillis(50);
    ecs.updateService(r -> r.cluster("roll").service(name).taskDefinition(v2));
    Set<String> known = new LinkedHashSet<>();
    int observations = 0;
    int lowestHealthy = Integer.MAX_VALUE;
    int highestLive = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!completed(name)) {
      assertThat(System.nanoTime()).as("rollout completes within 90 s").isLessThan(deadline);
      List<Task> live = liveTasks(name, known);
      long healthy =
          live.stream()
              .filter(
                  t ->
                      t.lastStatus().equals("RUNNING")
                          && t.desiredStatus().equals("RUNNING")
                          && t.healthStatusAsString().equals("HEALTHY"))
              .count();
      assertThat(healthy)
          .as("healthy tasks at observation %d", observations)
          .isGreaterThanOrEqualTo(minHealthy);
      assertThat(live.size())
          .as("tasks not STOPPED at observation %d", observations)
          .isLessThanOrEqualTo(maxTotal);
      lowestHealthy = Math.min(lowestHealthy, (int) healthy);
      highestLive = Math.max(highestLive, live.size());
      observations++;
      Thread.sleep(20);
    }
    assertThat(observations).isGreaterThan(5);
    // The bounds are not just respected but used: the update went as far as it was allowed.
    assertThat(lowestHealthy).isEqualTo(minHealthy);
    assertThat(highestLive).isEqualTo(maxTotal);

    Service done = service(name);
    assertThat(done.deployments()).hasSize(1);
    assertThat(done.deployments().get(0).taskDefinition()).isEqualTo(v2);
    assertThat(done.runningCount()).isEqualTo(4);
    assertThat(steps(done.events(), updatedAt)).isEqualTo(expectedSteps);
    for (Task t : liveTasks(name, known)) {
      assertThat(t.taskDefinitionArn()).isEqualTo(v2);
      assertThat(EcsApiTest.get(t.containers().get(0).networkBindings().get(0).hostPort()))
          .isEqualTo("v2");
    }
    ecs.deleteService(r -> r.cluster("roll").service(name).force(true));
  }

  /** The service's start/stop events since the instant, oldest first, consecutive ones summed. */
  static String steps(List<ServiceEvent> events, Instant since) {
    Pattern started = Pattern.compile("\\(service [^)]+\\) has started (\\d+) tasks: .*");
    Pattern stopped = Pattern.compile("\\(service [^)]+\\) has stopped (\\d+) running tasks: .*");
    List<String> kinds = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (int i = events.size() - 1; i >= 0; i--) {
      ServiceEvent e = events.get(i);
      if (e.createdAt().isBefore(since)) {
        continue;
      }
      Matcher m = started.matcher(e.message());
      String kind = null;
      if (m.matches()) {
        kind = "started";
      } else if ((m = stopped.matcher(e.message())).matches()) {
        kind = "stopped";
      }
      if (kind == null) {
        continue;
      }
      int n = Integer.parseInt(m.group(1));
      if (!kinds.isEmpty() && kinds.get(kinds.size() - 1).equals(kind)) {
        counts.set(counts.size() - 1, counts.get(counts.size() - 1) + n);
      } else {
        kinds.add(kind);
        counts.add(n);
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < kinds.size(); i++) {
      out.add(kinds.get(i) + " " + counts.get(i));
    }
    return String.join(", ", out);
  }

  @ParameterizedTest(name = "health check {0} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CMD form, command succeeds   | CMD,/bin/busybox,true | 2 | HEALTHY",
        "CMD form, command fails      | CMD,/bin/busybox,false | 2 | UNHEALTHY",
        "CMD-SHELL slower than timeout | CMD-SHELL,sleep 30   | 2 | UNHEALTHY",
      })
  void aTasksHealthFollowsItsHealthCheck(
      String name, String command, int timeout, String expected) {
    String family = "health-" + Integer.toHexString(name.hashCode());
    String arn =
        ecs.registerTaskDefinition(
                r ->
                    r.family(family)
                        .containerDefinitions(
                            EcsApiTest.web("v1").toBuilder()
                                .healthCheck(
                                    HealthCheck.builder()
                                        .command(command.split(",", -1))
                                        .interval(5)
                                        .timeout(timeout)
                                        .retries(1)
                                        .build())
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    String task = ecs.runTask(r -> r.cluster("roll").taskDefinition(arn)).tasks().get(0).taskArn();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  !ecs.describeTasks(r -> r.cluster("roll").tasks(task))
                      .tasks()
                      .get(0)
                      .healthStatusAsString()
                      .equals("UNKNOWN"));
      assertThat(
              ecs.describeTasks(r -> r.cluster("roll").tasks(task))
                  .tasks()
                  .get(0)
                  .healthStatusAsString())
          .isEqualTo(expected);
    } finally {
      ecs.stopTask(r -> r.cluster("roll").task(task));
    }
  }

  @org.junit.jupiter.api.Test
  void anUnhealthyTaskIsReplacedOnlyAfterTheHealthCheckGracePeriod() {
    String v1 =
        ecs.registerTaskDefinition(
                r ->
                    r.family("graceful")
                        .containerDefinitions(
                            EcsApiTest.web("v1").toBuilder()
                                .healthCheck(
                                    HealthCheck.builder()
                                        .command("CMD-SHELL", "exit 1")
                                        .interval(5)
                                        .retries(1)
                                        .build())
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.createService(
        r ->
            r.cluster("roll")
                .serviceName("graceful")
                .taskDefinition(v1)
                .desiredCount(1)
                .healthCheckGracePeriodSeconds(8));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !ecs.listTasks(
                        r ->
                            r.cluster("roll")
                                .serviceName("graceful")
                                .desiredStatus(DesiredStatus.STOPPED))
                    .taskArns()
                    .isEmpty());
    String arn =
        ecs.listTasks(
                r -> r.cluster("roll").serviceName("graceful").desiredStatus(DesiredStatus.STOPPED))
            .taskArns()
            .get(0);
    Task replaced = ecs.describeTasks(r -> r.cluster("roll").tasks(arn)).tasks().get(0);
    assertThat(replaced.stoppedReason()).isEqualTo("Task failed container health checks");
    assertThat(replaced.healthStatusAsString()).isEqualTo("UNHEALTHY");
    assertThat(Duration.between(replaced.startedAt(), replaced.stoppingAt()))
        .as("kept through the grace period although unhealthy after 5 s")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(8));
    ecs.deleteService(r -> r.cluster("roll").service("graceful").force(true));
  }

  @ParameterizedTest(name = "a release whose {0} trips the breaker and rolls back")
  @ValueSource(strings = {"container exits", "health check fails", "image does not exist"})
  void aBrokenReleaseTripsTheCircuitBreakerAndRollsBack(String broken) throws Exception {
    String name = "breaker-" + broken.replace(' ', '-');
    String v1 = register(name, "v1");
    ecs.createService(
        r ->
            r.cluster("roll")
                .serviceName(name)
                .taskDefinition(v1)
                .desiredCount(2)
                .deploymentConfiguration(
                    c ->
                        c.minimumHealthyPercent(100)
                            .maximumPercent(200)
                            .deploymentCircuitBreaker(b -> b.enable(true).rollback(true))));
    await().atMost(Duration.ofSeconds(60)).until(() -> completed(name));
    String completedDeployment = service(name).deployments().get(0).id();
    List<Integer> ports = new ArrayList<>();
    for (Task t : liveTasks(name, new LinkedHashSet<>())) {
      ports.add(t.containers().get(0).networkBindings().get(0).hostPort());
    }

    ContainerDefinition.Builder bad = EcsApiTest.web("v2").toBuilder();
    switch (broken) {
      case "container exits" -> bad.command("sh", "-c", "echo starting; exit 1");
      case "health check fails" ->
          bad.healthCheck(
              HealthCheck.builder().command("CMD-SHELL", "exit 1").interval(5).retries(1).build());
      default -> bad.image("localhost/gantry-test/does-not-exist:2");
    }
    String v2 =
        ecs.registerTaskDefinition(r -> r.family(name).containerDefinitions(bad.build()))
            .taskDefinition()
            .taskDefinitionArn();
    String failedDeployment =
        ecs.updateService(r -> r.cluster("roll").service(name).taskDefinition(v2))
            .service()
            .deployments()
            .get(0)
            .id();

    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!(service(name).taskDefinition().equals(v1) && completed(name))) {
      assertThat(System.nanoTime()).as("rollback completes within 90 s").isLessThan(deadline);
      for (int port : ports) {
        assertThat(EcsApiTest.get(port)).as("the old tasks keep serving").isEqualTo("v1");
      }
      Thread.sleep(100);
    }
    Service rolledBack = service(name);
    assertThat(rolledBack.deployments()).hasSize(1);
    assertThat(rolledBack.deployments().get(0).id()).isEqualTo(completedDeployment);
    assertThat(rolledBack.deployments().get(0).taskDefinition()).isEqualTo(v1);
    assertThat(rolledBack.events())
        .extracting(ServiceEvent::message)
        .contains(
            "(service "
                + name
                + ") (deployment "
                + failedDeployment
                + ") deployment failed: tasks failed to start.",
            "(service "
                + name
                + ") (deployment "
                + failedDeployment
                + ") rolling back to deployment "
                + completedDeployment
                + ".");
    List<String> stopped =
        ecs.listTasks(r -> r.cluster("roll").serviceName(name).desiredStatus(DesiredStatus.STOPPED))
            .taskArns();
    List<Task> failed = ecs.describeTasks(r -> r.cluster("roll").tasks(stopped)).tasks();
    assertThat(failed).hasSizeGreaterThanOrEqualTo(3);
    String expectedReason =
        switch (broken) {
          case "container exits" -> "Essential container in task exited";
          case "health check fails" -> "Task failed container health checks";
          default -> "CannotPullContainerError: ";
        };
    // At least the 3 failures that trip the breaker stopped for the release's fault; a task of the
    // failed deployment still starting when the breaker tripped is stopped by the rollback, as ECS
    // does.
    assertThat(failed)
        .filteredOn(t -> t.stoppedReason().startsWith(expectedReason))
        .hasSizeGreaterThanOrEqualTo(3);
    assertThat(failed)
        .allSatisfy(
            t ->
                assertThat(t.stoppedReason())
                    .satisfiesAnyOf(
                        reason -> assertThat(reason).startsWith(expectedReason),
                        reason ->
                            assertThat(reason)
                                .isEqualTo(
                                    "Scaling activity initiated by (deployment "
                                        + failedDeployment
                                        + ")")));
    for (int port : ports) {
      assertThat(EcsApiTest.get(port)).isEqualTo("v1");
    }
    ecs.deleteService(r -> r.cluster("roll").service(name).force(true));
  }
}
