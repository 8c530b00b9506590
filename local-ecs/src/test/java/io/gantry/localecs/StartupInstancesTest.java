package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerInstance;

/**
 * {@code Options.withInstances} ({@code gantry local-ecs --instances 3 --instance-cpu …
 * --instance-memory …}): the default cluster gets its instances at start, once.
 */
@Tag("containers")
class StartupInstancesTest {

  @TempDir Path dataDir;

  @Test
  void theDefaultClusterGetsItsInstancesAtStartAndARestartAddsNone() {
    TestSupport.requireContainers();
    LocalEcs.Options options =
        TestSupport.options(dataDir).withRegistry(false).withInstances(3, 1024, 512);
    try (LocalEcs local = LocalEcs.start(options);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      List<ContainerInstance> instances = describe(ecs);
      assertThat(instances).hasSize(3);
      assertThat(instances)
          .extracting(
              i ->
                  i.attributes().stream()
                      .filter(a -> a.name().equals("ecs.availability-zone"))
                      .findFirst()
                      .orElseThrow()
                      .value())
          .containsExactly("us-east-1a", "us-east-1b", "us-east-1c");
      assertThat(instances)
          .allSatisfy(
              i ->
                  assertThat(i.remainingResources())
                      .anySatisfy(
                          r -> {
                            assertThat(r.name()).isEqualTo("MEMORY");
                            assertThat(r.integerValue()).isEqualTo(512);
                          }));
    }
    try (LocalEcs local = LocalEcs.start(options);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      assertThat(describe(ecs)).hasSize(3);
    }
  }

  private static List<ContainerInstance> describe(EcsClient ecs) {
    List<String> arns =
        ecs.listContainerInstances(r -> r.cluster("default")).containerInstanceArns();
    return ecs.describeContainerInstances(r -> r.cluster("default").containerInstances(arns))
        .containerInstances();
  }
}
