package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Attachment;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LoadBalancer;
import software.amazon.awssdk.services.ecs.model.PortMapping;
import software.amazon.awssdk.services.ecs.model.Task;

/** awsvpc: each task its own network namespace and address, its containers on localhost. */
@Tag("containers")
class AwsVpcTest {

  @TempDir Path dataDir;

  @Test
  void twoAwsvpcTasksEachHaveTheirOwnAddressBehindTheLoadBalancer() throws Exception {
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      ContainerDefinition web =
          EcsApiTest.web("v1").toBuilder()
              .portMappings(PortMapping.builder().containerPort(8080).hostPort(8080).build())
              .build();
      // The sidecar reaches the web container on localhost: they share the task's namespace.
      ContainerDefinition sidecar =
          ContainerDefinition.builder()
              .name("sidecar")
              .image(TestImages.BUSYBOX)
              .command(
                  "sh",
                  "-c",
                  "trap 'exit 0' TERM; until wget -q -O - http://localhost:8080/; do sleep 0.2;"
                      + " done; sleep 600 & wait")
              .environment(KeyValuePair.builder().name("X").value("y").build())
              .essential(false)
              .memory(16)
              .stopTimeout(2)
              .build();
      ecs.registerTaskDefinition(
          r -> r.family("vpc").networkMode("awsvpc").containerDefinitions(web, sidecar));
      String group =
          "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/vpc/0123456789abcdef";
      ecs.createService(
          r ->
              r.serviceName("vpc")
                  .taskDefinition("vpc")
                  .desiredCount(2)
                  .networkConfiguration(
                      n ->
                          n.awsvpcConfiguration(
                              a -> a.subnets("subnet-1").assignPublicIp("DISABLED")))
                  .loadBalancers(
                      LoadBalancer.builder()
                          .targetGroupArn(group)
                          .containerName("web")
                          .containerPort(8080)
                          .build()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  "COMPLETED"
                      .equals(
                          EcsApiTest.serviceIn(ecs, "vpc")
                              .deployments()
                              .get(0)
                              .rolloutStateAsString()));
      List<Task> tasks = EcsApiTest.tasksIn(ecs, "vpc");
      assertThat(tasks).hasSize(2);
      Set<String> addresses = new HashSet<>();
      for (Task t : tasks) {
        Attachment eni = t.attachments().get(0);
        assertThat(eni.type()).isEqualTo("ElasticNetworkInterface");
        assertThat(eni.status()).isEqualTo("ATTACHED");
        String ip =
            eni.details().stream()
                .filter(d -> d.name().equals("privateIPv4Address"))
                .findFirst()
                .orElseThrow()
                .value();
        addresses.add(ip);
        assertThat(t.containers())
            .allSatisfy(
                c -> assertThat(c.networkInterfaces().get(0).privateIpv4Address()).isEqualTo(ip));
        // The task answers on its own address and port, as a VPC peer would reach it.
        assertThat(EcsApiTest.getAt(ip, 8080)).isEqualTo("v1");
        await().atMost(Duration.ofSeconds(20)).until(() -> local.logs(t.taskArn()).contains("v1"));
      }
      assertThat(addresses).hasSize(2);

      String listening =
          EcsApiTest.serviceIn(ecs, "vpc").events().stream()
              .map(e -> e.message())
              .filter(m -> m.contains("is listening on"))
              .findFirst()
              .orElseThrow();
      Matcher m = Pattern.compile("http://127.0.0.1:([0-9]+)").matcher(listening);
      assertThat(m.find()).isTrue();
      int port = Integer.parseInt(m.group(1));
      for (int i = 0; i < 4; i++) {
        assertThat(EcsApiTest.get(port)).isEqualTo("v1");
      }

      // ECS's rule: in awsvpc a hostPort must equal its containerPort.
      assertThatThrownBy(
              () ->
                  ecs.registerTaskDefinition(
                      r ->
                          r.family("bad")
                              .networkMode("awsvpc")
                              .containerDefinitions(
                                  web.toBuilder()
                                      .portMappings(
                                          PortMapping.builder()
                                              .containerPort(8080)
                                              .hostPort(80)
                                              .build())
                                      .build())))
          .isInstanceOf(ClientException.class);

      // Stopped tasks leave no network behind.
      ecs.updateService(r -> r.service("vpc").desiredCount(0));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  tasks.stream()
                      .allMatch(
                          t ->
                              EcsApiTest.describeIn(ecs, t.taskArn())
                                  .lastStatus()
                                  .equals("STOPPED")));
      for (Task t : tasks) {
        Process p =
            new ProcessBuilder(
                    "podman", "network", "exists", "ecs-task-" + Arns.lastPart(t.taskArn()))
                .start();
        assertThat(p.waitFor()).isNotZero();
      }
    }
  }
}
