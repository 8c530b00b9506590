package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.DockerEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.LoadBalancer;
import software.amazon.awssdk.services.ecs.model.Service;

/**
 * Service auto scaling with the official AWS CLI v2 and real containers: target tracking on the
 * containers' CPU (engine stats) and on the balancer's requests per target, scaling out under load
 * the test generates and back in once it stops; the API's errors.
 */
@Tag("containers")
class AutoScalingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCALE = "application-autoscaling";

  @TempDir static Path dataDir;
  static LocalEcs local;
  static EcsClient ecs;
  static AwsCli aws;

  @BeforeAll
  static void start() {
    TestSupport.requireContainers();
    local = LocalEcs.start(TestSupport.options(dataDir).withMetricPeriod(Duration.ofSeconds(1)));
    try (DockerEngine engine = new DockerEngine(local.dockerHost())) {
      TestImages.ensure(engine);
    }
    aws = AwsCli.at(local.endpoint());
    ecs = TestSupport.ecs(local.endpoint());
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

  @Test
  void aCpuBurningTaskScalesTheServiceOutToItsMaximumAndIdleScalesItBackIn() throws Exception {
    // Each task burns a CPU while /tmp/burn exists; 128 CPU units each, so one busy task is far
    // above the 50 % target whatever share of a core this busy machine gives it.
    ecs.registerTaskDefinition(
        r ->
            r.family("burner")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("app")
                        .image(TestImages.BUSYBOX)
                        .command(
                            "sh",
                            "-c",
                            "trap 'exit 0' TERM; (while :; do if [ -f /tmp/burn ]; then :; else"
                                + " sleep 0.2; fi; done) & sleep 600 & wait")
                        .cpu(128)
                        .memory(64)
                        .stopTimeout(1)
                        .build()));
    ecs.createService(r -> r.serviceName("cpu").taskDefinition("burner").desiredCount(2));
    await().atMost(Duration.ofSeconds(90)).until(() -> service("cpu").runningCount() == 2);

    ok(
        SCALE,
        "register-scalable-target",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/default/cpu",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--min-capacity",
        "2",
        "--max-capacity",
        "4");
    JsonNode policy =
        ok(
            SCALE,
            "put-scaling-policy",
            "--policy-name",
            "cpu50",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/cpu",
            "--scalable-dimension",
            "ecs:service:DesiredCount",
            "--policy-type",
            "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration",
            "{\"TargetValue\":50.0,\"PredefinedMetricSpecification\":"
                + "{\"PredefinedMetricType\":\"ECSServiceAverageCPUUtilization\"},"
                + "\"ScaleOutCooldown\":0,\"ScaleInCooldown\":0}");
    assertThat(policy.path("PolicyARN").asText())
        .startsWith("arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:")
        .endsWith(":resource/ecs/service/default/cpu:policyName/cpu50");
    assertThat(policy.path("Alarms")).hasSize(2);
    assertThat(policy.path("Alarms").get(0).path("AlarmName").asText())
        .startsWith("TargetTracking-service/default/cpu-AlarmHigh-");

    JsonNode targets =
        ok(
                SCALE,
                "describe-scalable-targets",
                "--service-namespace",
                "ecs",
                "--resource-ids",
                "service/default/cpu")
            .path("ScalableTargets");
    assertThat(targets).hasSize(1);
    assertThat(targets.get(0).path("MinCapacity").asInt()).isEqualTo(2);
    assertThat(targets.get(0).path("MaxCapacity").asInt()).isEqualTo(4);
    JsonNode policies =
        ok(
                SCALE,
                "describe-scaling-policies",
                "--service-namespace",
                "ecs",
                "--resource-id",
                "service/default/cpu")
            .path("ScalingPolicies");
    assertThat(policies).hasSize(1);
    assertThat(
            policies
                .get(0)
                .path("TargetTrackingScalingPolicyConfiguration")
                .path("TargetValue")
                .asDouble())
        .isEqualTo(50.0);

    String task = ecs.listTasks(r -> r.serviceName("cpu")).taskArns().get(0);
    String container =
        ecs.describeTasks(r -> r.tasks(task)).tasks().get(0).containers().get(0).runtimeId();
    try (DockerEngine engine = new DockerEngine(local.dockerHost())) {
      assertThat(
              engine.exec(
                  container, List.of("sh", "-c", "touch /tmp/burn"), Duration.ofSeconds(30)))
          .extracting(ContainerEngine.ExecResult::exitCode)
          .isEqualTo(0);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> service("cpu").desiredCount() == 4 && service("cpu").runningCount() == 4);
      assertThat(
              engine.exec(container, List.of("sh", "-c", "rm /tmp/burn"), Duration.ofSeconds(30)))
          .extracting(ContainerEngine.ExecResult::exitCode)
          .isEqualTo(0);
    }
    // Idle: 15 periods below 90 % of the target, then back to the minimum (never below it).
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> service("cpu").desiredCount() == 2 && service("cpu").runningCount() == 2);

    JsonNode activities =
        ok(
                SCALE,
                "describe-scaling-activities",
                "--service-namespace",
                "ecs",
                "--resource-id",
                "service/default/cpu")
            .path("ScalingActivities");
    assertThat(activities.get(0).path("Description").asText())
        .isEqualTo("Setting desired count to 2.");
    assertThat(activities.get(0).path("Cause").asText())
        .contains("AlarmLow")
        .contains("triggered policy cpu50");
    assertThat(activities.get(0).path("StatusCode").asText()).isEqualTo("Successful");
    assertThat(activities.get(activities.size() - 1).path("Description").asText())
        .isIn("Setting desired count to 3.", "Setting desired count to 4.");
    assertThat(activities.get(activities.size() - 1).path("Cause").asText())
        .contains("AlarmHigh")
        .contains("ECSServiceAverageCPUUtilization");
    List<String> events = service("cpu").events().stream().map(e -> e.message()).toList();
    assertThat(events)
        .anySatisfy(
            e -> assertThat(e).contains("(service cpu) Application Auto Scaling scaled out from 2"))
        .anySatisfy(
            e ->
                assertThat(e)
                    .contains("(service cpu) Application Auto Scaling scaled in from 4 to 2"));

    ok(
        SCALE,
        "deregister-scalable-target",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/default/cpu",
        "--scalable-dimension",
        "ecs:service:DesiredCount");
    assertThat(
            ok(
                    SCALE,
                    "describe-scaling-policies",
                    "--service-namespace",
                    "ecs",
                    "--resource-id",
                    "service/default/cpu")
                .path("ScalingPolicies"))
        .isEmpty();
  }

  @Test
  void requestsThroughTheBalancerScaleFromTwoToFourTasksAndBackAfterTheLoadStops()
      throws Exception {
    JsonNode group =
        ok(
                "elbv2",
                "create-target-group",
                "--name",
                "req",
                "--health-check-interval-seconds",
                "5",
                "--healthy-threshold-count",
                "2")
            .path("TargetGroups")
            .get(0);
    String groupArn = group.path("TargetGroupArn").asText();
    ecs.registerTaskDefinition(r -> r.family("req").containerDefinitions(EcsApiTest.web("v1")));
    ecs.createService(
        r ->
            r.serviceName("req")
                .taskDefinition("req")
                .desiredCount(2)
                .loadBalancers(
                    LoadBalancer.builder()
                        .targetGroupArn(groupArn)
                        .containerName("web")
                        .containerPort(8080)
                        .build()));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> "COMPLETED".equals(service("req").deployments().get(0).rolloutStateAsString()));
    int port =
        ok("elbv2", "describe-target-groups", "--target-group-arns", groupArn)
            .path("TargetGroups")
            .get(0)
            .path("Port")
            .asInt();

    ok(
        SCALE,
        "register-scalable-target",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/default/req",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--min-capacity",
        "2",
        "--max-capacity",
        "4");
    String label =
        "app/local/0123456789abcdef/" + groupArn.substring(groupArn.indexOf("targetgroup/"));
    ok(
        SCALE,
        "put-scaling-policy",
        "--policy-name",
        "requests",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/default/req",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--policy-type",
        "TargetTrackingScaling",
        "--target-tracking-scaling-policy-configuration",
        "{\"TargetValue\":300.0,\"PredefinedMetricSpecification\":"
            + "{\"PredefinedMetricType\":\"ALBRequestCountPerTarget\",\"ResourceLabel\":\""
            + label
            + "\"},\"ScaleOutCooldown\":5,\"ScaleInCooldown\":0}");

    // About 40 requests a second: 1,200 a minute per target on 2 targets, 4 × the 300 target.
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger answered = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 2; i++) {
      Thread t =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    HttpResponse<String> response =
                        http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                      answered.incrementAndGet();
                    }
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  } catch (Exception e) {
                    // counted by what was answered
                  }
                }
              });
      t.start();
      clients.add(t);
    }
    try {
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> service("req").desiredCount() == 4 && service("req").runningCount() == 4);
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  ok("elbv2", "describe-target-health", "--target-group-arn", groupArn)
                          .path("TargetHealthDescriptions")
                          .findValuesAsText("State")
                          .stream()
                          .filter("healthy"::equals)
                          .count()
                      == 4);
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join();
      }
    }
    assertThat(answered.get()).isGreaterThan(100);
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> service("req").desiredCount() == 2 && service("req").runningCount() == 2);
    JsonNode activities =
        ok(
                SCALE,
                "describe-scaling-activities",
                "--service-namespace",
                "ecs",
                "--resource-id",
                "service/default/req")
            .path("ScalingActivities");
    assertThat(activities.get(0).path("Description").asText())
        .isEqualTo("Setting desired count to 2.");
    assertThat(activities.get(activities.size() - 1).path("Cause").asText())
        .contains("ALBRequestCountPerTarget");
  }

  @Test
  void aCloudWatchAlarmOnAMetricSetByTheUserRunsAStepScalingPolicy() throws Exception {
    ecs.registerTaskDefinition(
        r ->
            r.family("worker")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("app")
                        .image(TestImages.BUSYBOX)
                        .command("sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait")
                        .memory(32)
                        .stopTimeout(1)
                        .build()));
    ecs.createService(r -> r.serviceName("worker").taskDefinition("worker").desiredCount(1));
    ok(
        SCALE,
        "register-scalable-target",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/default/worker",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--min-capacity",
        "1",
        "--max-capacity",
        "5");
    String policyArn =
        ok(
                SCALE,
                "put-scaling-policy",
                "--policy-name",
                "queue-steps",
                "--service-namespace",
                "ecs",
                "--resource-id",
                "service/default/worker",
                "--scalable-dimension",
                "ecs:service:DesiredCount",
                "--policy-type",
                "StepScaling",
                "--step-scaling-policy-configuration",
                "{\"AdjustmentType\":\"ChangeInCapacity\",\"Cooldown\":120,\"StepAdjustments\":["
                    + "{\"MetricIntervalLowerBound\":0,\"MetricIntervalUpperBound\":50,"
                    + "\"ScalingAdjustment\":1},"
                    + "{\"MetricIntervalLowerBound\":50,\"ScalingAdjustment\":3}]}")
            .path("PolicyARN")
            .asText();
    // 70 messages against a threshold of 10: a breach of 60, the second step: +3.
    ok(
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        "Shop",
        "--metric-name",
        "QueueDepth",
        "--dimensions",
        "Queue=orders",
        "--value",
        "70");
    ok(
        "cloudwatch",
        "put-metric-alarm",
        "--alarm-name",
        "orders-deep",
        "--namespace",
        "Shop",
        "--metric-name",
        "QueueDepth",
        "--dimensions",
        "Name=Queue,Value=orders",
        "--statistic",
        "Average",
        "--period",
        "60",
        "--threshold",
        "10",
        "--comparison-operator",
        "GreaterThanThreshold",
        "--evaluation-periods",
        "2",
        "--alarm-actions",
        policyArn);
    await().atMost(Duration.ofMinutes(1)).until(() -> service("worker").desiredCount() == 4);
    // The policy's 120 s cooldown keeps it from running again while the alarm stays in ALARM;
    // the value drops below the threshold: the alarm goes back to OK and nothing more happens.
    ok(
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        "Shop",
        "--metric-name",
        "QueueDepth",
        "--dimensions",
        "Queue=orders",
        "--value",
        "3");
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () ->
                ok("cloudwatch", "describe-alarms", "--alarm-names", "orders-deep")
                    .path("MetricAlarms")
                    .get(0)
                    .path("StateValue")
                    .asText()
                    .equals("OK"));
    assertThat(service("worker").desiredCount()).isEqualTo(4);
    JsonNode activity =
        ok(
                SCALE,
                "describe-scaling-activities",
                "--service-namespace",
                "ecs",
                "--resource-id",
                "service/default/worker")
            .path("ScalingActivities")
            .get(0);
    assertThat(activity.path("Description").asText()).isEqualTo("Setting desired count to 4.");
    assertThat(activity.path("Cause").asText())
        .isEqualTo(
            "monitor alarm orders-deep in state ALARM triggered policy queue-steps (QueueDepth"
                + " 70.00, threshold 10.00)");

    AwsCli.Result notAPolicy =
        aws.run(
            "cloudwatch",
            "put-metric-alarm",
            "--alarm-name",
            "x",
            "--namespace",
            "Shop",
            "--metric-name",
            "QueueDepth",
            "--threshold",
            "1",
            "--comparison-operator",
            "GreaterThanThreshold",
            "--evaluation-periods",
            "1",
            "--alarm-actions",
            "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:nope");
    assertThat(notAPolicy.stderr())
        .contains("(InvalidParameterValue)")
        .contains("names no step scaling policy of local-ecs");
  }

  @Test
  void badScalingRequestsGetApplicationAutoScalingsErrors() throws Exception {
    AwsCli.Result missing =
        aws.run(
            SCALE,
            "register-scalable-target",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/nope",
            "--scalable-dimension",
            "ecs:service:DesiredCount",
            "--min-capacity",
            "1",
            "--max-capacity",
            "2");
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.stderr())
        .contains("(ValidationException)")
        .contains("ECS service doesn't exist: service/default/nope");

    AwsCli.Result unregistered =
        aws.run(
            SCALE,
            "put-scaling-policy",
            "--policy-name",
            "p",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/nope",
            "--scalable-dimension",
            "ecs:service:DesiredCount",
            "--policy-type",
            "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration",
            "{\"TargetValue\":50.0,\"PredefinedMetricSpecification\":"
                + "{\"PredefinedMetricType\":\"ECSServiceAverageCPUUtilization\"}}");
    assertThat(unregistered.stderr())
        .contains("(ObjectNotFoundException)")
        .contains(
            "No scalable target registered for service namespace: ecs, resource ID:"
                + " service/default/nope, scalable dimension: ecs:service:DesiredCount");

    ecs.registerTaskDefinition(
        r ->
            r.family("idle")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("app")
                        .image(TestImages.BUSYBOX)
                        .command("sleep", "600")
                        .memory(32)
                        .build()));
    ecs.createService(r -> r.serviceName("errors").taskDefinition("idle").desiredCount(0));
    AwsCli.Result inverted =
        aws.run(
            SCALE,
            "register-scalable-target",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/errors",
            "--scalable-dimension",
            "ecs:service:DesiredCount",
            "--min-capacity",
            "3",
            "--max-capacity",
            "2");
    assertThat(inverted.stderr())
        .contains("(ValidationException)")
        .contains("Minimum capacity cannot be greater than maximum capacity");

    // Registering with a minimum above the desired count raises it at once.
    ok(
        SCALE,
        "register-scalable-target",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/default/errors",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--min-capacity",
        "1",
        "--max-capacity",
        "2");
    assertThat(service("errors").desiredCount()).isEqualTo(1);

    AwsCli.Result badLabel =
        aws.run(
            SCALE,
            "put-scaling-policy",
            "--policy-name",
            "p",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/errors",
            "--scalable-dimension",
            "ecs:service:DesiredCount",
            "--policy-type",
            "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration",
            "{\"TargetValue\":100.0,\"PredefinedMetricSpecification\":"
                + "{\"PredefinedMetricType\":\"ALBRequestCountPerTarget\","
                + "\"ResourceLabel\":\"app/x/1/targetgroup/none/2\"}}");
    assertThat(badLabel.stderr())
        .contains("(ValidationException)")
        .contains("ResourceLabel 'app/x/1/targetgroup/none/2' names no target group of");

    AwsCli.Result otherMetric =
        aws.run(
            SCALE,
            "put-scaling-policy",
            "--policy-name",
            "p",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/errors",
            "--scalable-dimension",
            "ecs:service:DesiredCount",
            "--policy-type",
            "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration",
            "{\"TargetValue\":100.0,\"PredefinedMetricSpecification\":"
                + "{\"PredefinedMetricType\":\"DynamoDBReadCapacityUtilization\"}}");
    assertThat(otherMetric.stderr())
        .contains("(ValidationException)")
        .contains("Predefined metric type DynamoDBReadCapacityUtilization is not supported");

    AwsCli.Result notEcs =
        aws.run(SCALE, "describe-scalable-targets", "--service-namespace", "dynamodb");
    assertThat(notEcs.stderr())
        .contains("(ValidationException)")
        .contains("ServiceNamespace must be 'ecs'");

    AwsCli.Result noPolicy =
        aws.run(
            SCALE,
            "delete-scaling-policy",
            "--policy-name",
            "nope",
            "--service-namespace",
            "ecs",
            "--resource-id",
            "service/default/errors",
            "--scalable-dimension",
            "ecs:service:DesiredCount");
    assertThat(noPolicy.stderr())
        .contains("(ObjectNotFoundException)")
        .contains("No scaling policy found for service namespace: ecs");
  }

  private static Service service(String name) {
    return ecs.describeServices(r -> r.services(name)).services().get(0);
  }

  /** Runs the CLI, expects success and returns its JSON output ({} when it printed nothing). */
  private static JsonNode ok(String... args) throws Exception {
    AwsCli.Result result = aws.run(args);
    assertThat(result.exitCode()).as(String.join(" ", args) + ": " + result.stderr()).isZero();
    return result.stdout().isBlank() ? JSON.createObjectNode() : JSON.readTree(result.stdout());
  }
}
