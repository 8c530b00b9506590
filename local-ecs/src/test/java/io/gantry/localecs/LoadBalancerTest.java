package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.LoadBalancer;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupAttribute;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupNotFoundException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;

/** A service behind the local load balancer, rolled under continuous traffic. */
@Tag("containers")
class LoadBalancerTest {

  @TempDir static Path dataDir;
  static LocalEcs localEcs;
  static EcsClient ecs;
  static ElasticLoadBalancingV2Client elb;

  @BeforeAll
  static void start() {
    localEcs = TestSupport.start(dataDir);
    ecs = TestSupport.ecs(localEcs.endpoint());
    elb =
        ElasticLoadBalancingV2Client.builder()
            .endpointOverride(localEcs.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  static void stop() {
    if (elb != null) {
      elb.close();
      ecs.close();
    }
    if (localEcs != null) {
      localEcs.close();
    }
  }

  static Service service() {
    return service("web");
  }

  static Service service(String name) {
    return ecs.describeServices(r -> r.services(name)).services().get(0);
  }

  /** Two clients sending requests back to back to the balancer until stopped. */
  static final class Traffic {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicInteger ok = new AtomicInteger();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final ConcurrentHashMap<String, Integer> answers = new ConcurrentHashMap<>();
    final List<Thread> clients = new java.util.ArrayList<>();

    Traffic(int port) {
      HttpClient client = HttpClient.newHttpClient();
      for (int i = 0; i < 2; i++) {
        Thread t =
            new Thread(
                () -> {
                  while (running.get()) {
                    try {
                      HttpResponse<String> response =
                          client.send(
                              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                  .timeout(Duration.ofSeconds(10))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString());
                      if (response.statusCode() == 200) {
                        ok.incrementAndGet();
                        answers.merge(response.body().strip(), 1, Integer::sum);
                      } else {
                        failures.add(response.statusCode() + " " + response.body().strip());
                      }
                    } catch (Exception e) {
                      failures.add(e.toString());
                    }
                  }
                });
        t.start();
        clients.add(t);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : clients) {
        t.join();
      }
    }
  }

  @Test
  void aBrokenReleaseBehindTheBalancerRollsBackWhileTrafficIsServed() throws Exception {
    String groupArn =
        elb.createTargetGroup(
                r -> r.name("breaker").healthCheckIntervalSeconds(5).healthyThresholdCount(2))
            .targetGroups()
            .get(0)
            .targetGroupArn();
    String v1 =
        ecs.registerTaskDefinition(
                r -> r.family("breaker").containerDefinitions(EcsApiTest.web("v1")))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.createService(
        r ->
            r.serviceName("breaker")
                .taskDefinition(v1)
                .desiredCount(2)
                .loadBalancers(
                    LoadBalancer.builder()
                        .targetGroupArn(groupArn)
                        .containerName("web")
                        .containerPort(8080)
                        .build())
                .deploymentConfiguration(
                    c ->
                        c.minimumHealthyPercent(100)
                            .maximumPercent(200)
                            .deploymentCircuitBreaker(b -> b.enable(true).rollback(true))));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                "COMPLETED".equals(service("breaker").deployments().get(0).rolloutStateAsString()));
    int port =
        elb.describeTargetGroups(r -> r.targetGroupArns(groupArn)).targetGroups().get(0).port();

    Traffic traffic = new Traffic(port);
    String v2 =
        ecs.registerTaskDefinition(
                r ->
                    r.family("breaker")
                        .containerDefinitions(
                            EcsApiTest.web("v2").toBuilder().command("sh", "-c", "exit 1").build()))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.updateService(r -> r.service("breaker").taskDefinition(v2));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              Service s = service("breaker");
              return s.taskDefinition().equals(v1)
                  && s.deployments().size() == 1
                  && "COMPLETED".equals(s.deployments().get(0).rolloutStateAsString());
            });
    traffic.stop();
    assertThat(traffic.failures).isEmpty();
    assertThat(traffic.ok.get()).isGreaterThan(50);
    assertThat(traffic.answers).containsOnlyKeys("v1");
    assertThat(service("breaker").events())
        .extracting(e -> e.message())
        .anyMatch(m -> m.endsWith("deployment failed: tasks failed to start."));
    ecs.deleteService(r -> r.service("breaker").force(true));
  }

  @Test
  void aRollingDeployBehindTheLoadBalancerFailsNoRequest() throws Exception {
    TargetGroup group =
        elb.createTargetGroup(
                r ->
                    r.name("web")
                        .port(0)
                        .healthCheckPath("/")
                        .healthCheckIntervalSeconds(5)
                        .healthyThresholdCount(2)
                        .unhealthyThresholdCount(2)
                        .matcher(m -> m.httpCode("200-299")))
            .targetGroups()
            .get(0);
    assertThat(group.targetGroupArn())
        .matches(
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/[0-9a-f]{16}");
    elb.modifyTargetGroupAttributes(
        r ->
            r.targetGroupArn(group.targetGroupArn())
                .attributes(
                    TargetGroupAttribute.builder()
                        .key("deregistration_delay.timeout_seconds")
                        .value("5")
                        .build()));

    ecs.registerTaskDefinition(r -> r.family("web").containerDefinitions(EcsApiTest.web("v1")));
    ecs.createService(
        r ->
            r.serviceName("web")
                .taskDefinition("web")
                .desiredCount(4)
                .healthCheckGracePeriodSeconds(20)
                .loadBalancers(
                    LoadBalancer.builder()
                        .targetGroupArn(group.targetGroupArn())
                        .containerName("web")
                        .containerPort(8080)
                        .build())
                .deploymentConfiguration(c -> c.minimumHealthyPercent(50).maximumPercent(150)));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> "COMPLETED".equals(service().deployments().get(0).rolloutStateAsString()));
    int port =
        elb.describeTargetGroups(r -> r.targetGroupArns(group.targetGroupArn()))
            .targetGroups()
            .get(0)
            .port();
    assertThat(port).isPositive();
    assertThat(service().events())
        .extracting(e -> e.message())
        .contains(
            "(service web) load balancer for (target-group "
                + group.targetGroupArn()
                + ") is listening on http://127.0.0.1:"
                + port
                + ".");
    List<TargetHealthDescription> targets =
        elb.describeTargetHealth(r -> r.targetGroupArn(group.targetGroupArn()))
            .targetHealthDescriptions();
    assertThat(targets).hasSize(4);
    assertThat(targets)
        .allSatisfy(t -> assertThat(t.targetHealth().stateAsString()).isEqualTo("healthy"));
    assertThat(EcsApiTest.get(port)).isEqualTo("v1");

    // Continuous traffic through the balancer while v2 rolls out.
    Traffic traffic = new Traffic(port);
    ecs.registerTaskDefinition(r -> r.family("web").containerDefinitions(EcsApiTest.web("v2")));
    ecs.updateService(r -> r.service("web").taskDefinition("web:2"));
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () -> {
              Service s = service();
              return s.taskDefinition().endsWith("web:2")
                  && "COMPLETED".equals(s.deployments().get(0).rolloutStateAsString());
            });
    Thread.sleep(300);
    traffic.stop();
    assertThat(traffic.failures).isEmpty();
    assertThat(traffic.ok.get()).isGreaterThan(100);
    assertThat(traffic.answers).containsKeys("v1", "v2");
    for (int i = 0; i < 8; i++) {
      assertThat(EcsApiTest.get(port)).as("the new version answers at the end").isEqualTo("v2");
    }
    assertThat(
            elb.describeTargetHealth(r -> r.targetGroupArn(group.targetGroupArn()))
                .targetHealthDescriptions())
        .hasSize(4)
        .allSatisfy(t -> assertThat(t.targetHealth().stateAsString()).isEqualTo("healthy"));
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> elb.describeTargetHealth(r -> r.targetGroupArn("arn:nope"))))
        .isInstanceOf(TargetGroupNotFoundException.class);
    ecs.deleteService(r -> r.service("web").force(true));
  }
}
