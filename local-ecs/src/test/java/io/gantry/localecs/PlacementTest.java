package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Attribute;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.ContainerInstance;
import software.amazon.awssdk.services.ecs.model.InvalidParameterException;
import software.amazon.awssdk.services.ecs.model.PlacementConstraint;
import software.amazon.awssdk.services.ecs.model.PlacementConstraintType;
import software.amazon.awssdk.services.ecs.model.PlacementStrategy;
import software.amazon.awssdk.services.ecs.model.PlacementStrategyType;
import software.amazon.awssdk.services.ecs.model.Resource;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;

/** Container instances and ECS's placement strategies and constraints, with real containers. */
@Tag("containers")
class PlacementTest {

  @TempDir static Path dataDir;
  static LocalEcs local;
  static EcsClient ecs;

  @BeforeAll
  static void start() {
    local = TestSupport.start(dataDir);
    ecs = TestSupport.ecs(local.endpoint());
    ecs.registerTaskDefinition(
        r ->
            r.family("small")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("app")
                        .image(TestImages.BUSYBOX)
                        .command("sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait")
                        .cpu(256)
                        .memory(128)
                        .stopTimeout(1)
                        .build()));
  }

  @AfterAll
  static void stop() {
    if (ecs != null) {
      ecs.close();
    }
    if (local != null) {
      local.close();
    }
  }

  /** Three instances of 1024 CPU / 512 MiB: two in us-east-1a, one in us-east-1b. */
  static List<String> threeInstances(String cluster) {
    ecs.createCluster(r -> r.clusterName(cluster));
    return List.of("us-east-1a", "us-east-1b", "us-east-1a").stream()
        .map(
            zone ->
                ecs.registerContainerInstance(
                        r ->
                            r.cluster(cluster)
                                .totalResources(
                                    Resource.builder()
                                        .name("CPU")
                                        .type("INTEGER")
                                        .integerValue(1024)
                                        .build(),
                                    Resource.builder()
                                        .name("MEMORY")
                                        .type("INTEGER")
                                        .integerValue(512)
                                        .build())
                                .attributes(
                                    Attribute.builder()
                                        .name("ecs.availability-zone")
                                        .value(zone)
                                        .build(),
                                    Attribute.builder().name("team").value("web").build()))
                    .containerInstance()
                    .containerInstanceArn())
        .toList();
  }

  static Map<String, Long> perInstance(String cluster, RunTaskResponse run) {
    return run.tasks().stream()
        .collect(Collectors.groupingBy(Task::containerInstanceArn, Collectors.counting()));
  }

  @Test
  void spreadAcrossZonesThenInstances() {
    List<String> instances = threeInstances("spread");
    RunTaskResponse run =
        ecs.runTask(
            r ->
                r.cluster("spread")
                    .taskDefinition("small")
                    .count(4)
                    .placementStrategy(
                        PlacementStrategy.builder()
                            .type(PlacementStrategyType.SPREAD)
                            .field("attribute:ecs.availability-zone")
                            .build(),
                        PlacementStrategy.builder()
                            .type(PlacementStrategyType.SPREAD)
                            .field("instanceId")
                            .build()));
    assertThat(run.failures()).isEmpty();
    Map<String, Long> zones =
        run.tasks().stream()
            .collect(Collectors.groupingBy(Task::availabilityZone, Collectors.counting()));
    assertThat(zones).containsEntry("us-east-1a", 2L).containsEntry("us-east-1b", 2L);
    // Within us-east-1a, one task on each of its two instances.
    Map<String, Long> placed = perInstance("spread", run);
    assertThat(placed.get(instances.get(0))).isEqualTo(1L);
    assertThat(placed.get(instances.get(2))).isEqualTo(1L);
    assertThat(placed.get(instances.get(1))).isEqualTo(2L);
    // DescribeContainerInstances shows what is left: 1024 - 2×256 CPU, 512 - 2×128 MiB.
    ContainerInstance b =
        ecs.describeContainerInstances(
                r -> r.cluster("spread").containerInstances(instances.get(1)))
            .containerInstances()
            .get(0);
    Map<String, Integer> remaining =
        b.remainingResources().stream()
            .collect(Collectors.toMap(Resource::name, Resource::integerValue));
    assertThat(remaining).containsEntry("CPU", 512).containsEntry("MEMORY", 256);
  }

  @Test
  void binpackFillsOneInstanceFirstThenReportsNoRoom() {
    List<String> instances = threeInstances("binpack");
    PlacementStrategy binpack =
        PlacementStrategy.builder().type(PlacementStrategyType.BINPACK).field("memory").build();
    RunTaskResponse run =
        ecs.runTask(
            r -> r.cluster("binpack").taskDefinition("small").count(4).placementStrategy(binpack));
    assertThat(run.failures()).isEmpty();
    assertThat(perInstance("binpack", run)).hasSize(1).containsValue(4L);
    // The memberOf constraint limits the choice to one instance, which is full now or not.
    String full = run.tasks().get(0).containerInstanceArn();
    String onlyFull =
        "ec2InstanceId == "
            + ecs.describeContainerInstances(r -> r.cluster("binpack").containerInstances(full))
                .containerInstances()
                .get(0)
                .ec2InstanceId();
    RunTaskResponse none =
        ecs.runTask(
            r ->
                r.cluster("binpack")
                    .taskDefinition("small")
                    .placementConstraints(
                        PlacementConstraint.builder()
                            .type(PlacementConstraintType.MEMBER_OF)
                            .expression(onlyFull)
                            .build()));
    assertThat(none.tasks()).isEmpty();
    assertThat(none.failures().get(0).reason()).isEqualTo("RESOURCE:MEMORY");
    assertThat(instances).contains(full);
  }

  @Test
  void distinctInstanceRefusesAFourthTaskOnThreeInstances() {
    threeInstances("distinct");
    ecs.createService(
        r ->
            r.cluster("distinct")
                .serviceName("web")
                .taskDefinition("small")
                .desiredCount(4)
                .placementConstraints(
                    PlacementConstraint.builder()
                        .type(PlacementConstraintType.DISTINCT_INSTANCE)
                        .build()));
    await().atMost(Duration.ofSeconds(60)).until(() -> service("distinct").runningCount() == 3);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                service("distinct").events().stream()
                    .anyMatch(
                        e ->
                            e.message()
                                    .startsWith(
                                        "(service web) was unable to place a task because no container instance met all"
                                            + " of its requirements. The closest matching (container-instance arn:aws:ecs:us-east-1:000000000000:container-instance/distinct/")
                                && e.message()
                                    .contains(
                                        "does not satisfy: DistinctInstance placement constraint unsatisfied.")));
    List<String> arns = ecs.listTasks(r -> r.cluster("distinct").serviceName("web")).taskArns();
    List<Task> tasks = ecs.describeTasks(r -> r.cluster("distinct").tasks(arns)).tasks();
    assertThat(tasks.stream().map(Task::containerInstanceArn).distinct()).hasSize(3);
    ecs.updateService(r -> r.cluster("distinct").service("web").desiredCount(0));
  }

  @Test
  void memberOfExpressionsSelectAndBadOnesAreRefusedWithThePosition() {
    List<String> instances = threeInstances("member");
    RunTaskResponse run =
        ecs.runTask(
            r ->
                r.cluster("member")
                    .taskDefinition("small")
                    .count(2)
                    .placementConstraints(
                        PlacementConstraint.builder()
                            .type(PlacementConstraintType.MEMBER_OF)
                            .expression(
                                "attribute:ecs.availability-zone in [us-east-1b, us-east-1c] and attribute:team == web")
                            .build()));
    assertThat(run.tasks()).extracting(Task::containerInstanceArn).containsOnly(instances.get(1));
    assertThat(
            ecs.listContainerInstances(
                    r ->
                        r.cluster("member").filter("attribute:ecs.availability-zone == us-east-1a"))
                .containerInstanceArns())
        .containsExactlyInAnyOrder(instances.get(0), instances.get(2));
    assertThatThrownBy(
            () ->
                ecs.runTask(
                    r ->
                        r.cluster("member")
                            .taskDefinition("small")
                            .placementConstraints(
                                PlacementConstraint.builder()
                                    .type(PlacementConstraintType.MEMBER_OF)
                                    .expression("attribute:team === web")
                                    .build())))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageStartingWith(
            "Invalid placement constraint expression 'attribute:team === web': expected a value, got '=' at position 17.");
  }

  static software.amazon.awssdk.services.ecs.model.Service service(String cluster) {
    return ecs.describeServices(r -> r.cluster(cluster).services("web")).services().get(0);
  }
}
