package io.gantry.localecs;

import io.gantry.engine.DockerEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.LoadBalancer;
import software.amazon.awssdk.services.ecs.model.ServiceEvent;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;

/**
 * bench/local-ecs-autoscaling: time from a target-tracking breach to the new task healthy behind
 * the load balancer, against its lower bound: the earliest the policy may act (its alarm's 3 metric
 * periods after the breach, or the end of its ScaleOutCooldown since the last scale-out, whichever
 * is later) plus that task's own start-and-health time (created → healthy in the target group).
 *
 * <p>Each round has two breaches of an ALBRequestCountPerTarget policy (700 requests a minute per
 * target): A, 20 requests a second on 1 task (no cooldown running: bound = breach + 3 periods); B,
 * 30 a second on 2 tasks right after A's task is healthy (A's scale-out cooldown running: bound =
 * scale-out A + cooldown). Then the load stops and the service is set back to 1 task.
 */
public final class AutoScaleBench {

  private static final int COOLDOWN = 20;

  private AutoScaleBench() {}

  /**
   * One breach: breach → new task healthy, its lower bound and the difference; of which the
   * policy's decision after the earliest moment it may act, and the task's start-and-health time.
   */
  record Sample(
      String kind,
      long breachToHealthy,
      long bound,
      long overhead,
      long decision,
      long startAndHealth) {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Duration period = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 1000);
    LocalEcs.Options options =
        LocalEcs.Options.defaults(dir)
            .withDefaultStopTimeout(Duration.ofSeconds(2))
            .withStopTasksOnClose(true)
            .withMetricPeriod(period);
    List<Sample> samples = new ArrayList<>();
    ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
    AtomicInteger rate = new AtomicInteger();
    try (LocalEcs local = LocalEcs.start(options);
        EcsClient ecs = TestSupport.ecs(local.endpoint());
        ElasticLoadBalancingV2Client elb = elb(local.endpoint());
        DockerEngine engine = new DockerEngine(local.dockerHost())) {
      TestImages.ensure(engine);
      String group =
          elb.createTargetGroup(
                  r -> r.name("bench").healthCheckIntervalSeconds(5).healthyThresholdCount(2))
              .targetGroups()
              .get(0)
              .targetGroupArn();
      ecs.registerTaskDefinition(r -> r.family("bench").containerDefinitions(EcsApiTest.web("v1")));
      ecs.createService(
          r ->
              r.serviceName("bench")
                  .taskDefinition("bench")
                  .desiredCount(1)
                  .loadBalancers(
                      LoadBalancer.builder()
                          .targetGroupArn(group)
                          .containerName("web")
                          .containerPort(8080)
                          .build()));
      awaitHealthy(elb, group, 1);
      int port =
          elb.describeTargetGroups(r -> r.targetGroupArns(group)).targetGroups().get(0).port();
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + port + "/");
      var unused =
          load.scheduleAtFixedRate(
              () -> {
                int n = rate.get();
                for (int i = 0; i < n / 10; i++) {
                  http.sendAsync(
                          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                          HttpResponse.BodyHandlers.discarding())
                      .exceptionally(e -> null);
                }
              },
              0,
              100,
              TimeUnit.MILLISECONDS);
      scaling(
          local.endpoint(),
          "RegisterScalableTarget",
          "{\"ServiceNamespace\":\"ecs\",\"ResourceId\":\"service/default/bench\","
              + "\"ScalableDimension\":\"ecs:service:DesiredCount\",\"MinCapacity\":1,"
              + "\"MaxCapacity\":10}");
      String label = "app/bench/0/" + group.substring(group.indexOf("targetgroup/"));
      scaling(
          local.endpoint(),
          "PutScalingPolicy",
          "{\"PolicyName\":\"requests\",\"ServiceNamespace\":\"ecs\","
              + "\"ResourceId\":\"service/default/bench\","
              + "\"ScalableDimension\":\"ecs:service:DesiredCount\","
              + "\"PolicyType\":\"TargetTrackingScaling\","
              + "\"TargetTrackingScalingPolicyConfiguration\":{\"TargetValue\":700.0,"
              + "\"PredefinedMetricSpecification\":{\"PredefinedMetricType\":"
              + "\"ALBRequestCountPerTarget\",\"ResourceLabel\":\""
              + label
              + "\"},\"ScaleOutCooldown\":"
              + COOLDOWN
              + ",\"DisableScaleIn\":true}}");
      long detect = 3 * period.toMillis();
      for (int round = 1; round <= rounds; round++) {
        // A: no cooldown running (the last scale-out was more than COOLDOWN ago).
        long breachA = System.currentTimeMillis();
        rate.set(20);
        Task a = awaitNewTaskHealthy(ecs, elb, group, 2);
        long healthyA = System.currentTimeMillis();
        long scaleOutA = lastScaleOut(ecs);
        long earliestA = breachA + detect;
        samples.add(sample("A", breachA, earliestA, a, healthyA, scaleOutA));
        // B: breach again at once; the policy must wait for A's cooldown.
        long breachB = System.currentTimeMillis();
        rate.set(30);
        Task b = awaitNewTaskHealthy(ecs, elb, group, 3);
        long healthyB = System.currentTimeMillis();
        long earliestB = Math.max(breachB + detect, scaleOutA + COOLDOWN * 1000L);
        samples.add(sample("B", breachB, earliestB, b, healthyB, lastScaleOut(ecs)));
        rate.set(0);
        System.out.printf(
            "round %d: A %s; B %s%n",
            round, samples.get(samples.size() - 2), samples.get(samples.size() - 1));
        ecs.updateService(r -> r.service("bench").desiredCount(1));
        awaitHealthyExactly(elb, group, 1);
        Thread.sleep(COOLDOWN * 1000L + 2 * period.toMillis());
      }
    } finally {
      load.shutdownNow();
    }
    for (String kind : List.of("A", "B")) {
      List<Sample> of = samples.stream().filter(s -> s.kind().equals(kind)).toList();
      System.out.printf(
          "%s median of %d: breach -> healthy %d ms; lower bound %d ms; overhead %d ms (max %d);"
              + " decision after the earliest moment %d ms; start-and-health %d ms%n",
          kind,
          of.size(),
          median(of.stream().map(Sample::breachToHealthy).toList()),
          median(of.stream().map(Sample::bound).toList()),
          median(of.stream().map(Sample::overhead).toList()),
          of.stream().mapToLong(Sample::overhead).max().orElse(0),
          median(of.stream().map(Sample::decision).toList()),
          median(of.stream().map(Sample::startAndHealth).toList()));
    }
  }

  private static Sample sample(
      String kind, long breach, long earliest, Task task, long healthy, long scaledOut) {
    long created = task.createdAt().toEpochMilli();
    long startAndHealth = healthy - created;
    long total = healthy - breach;
    long bound = (earliest - breach) + startAndHealth;
    return new Sample(kind, total, bound, total - bound, scaledOut - earliest, startAndHealth);
  }

  /** Waits until the service has {@code count} healthy targets; returns its newest task. */
  private static Task awaitNewTaskHealthy(
      EcsClient ecs, ElasticLoadBalancingV2Client elb, String group, int count) throws Exception {
    awaitHealthy(elb, group, count);
    List<String> arns = ecs.listTasks(r -> r.serviceName("bench")).taskArns();
    return ecs.describeTasks(r -> r.tasks(arns)).tasks().stream()
        .max(Comparator.comparing(Task::createdAt))
        .orElseThrow();
  }

  private static long lastScaleOut(EcsClient ecs) {
    for (ServiceEvent e :
        ecs.describeServices(r -> r.services("bench")).services().get(0).events()) {
      if (e.message().contains("Application Auto Scaling scaled out")) {
        return e.createdAt().toEpochMilli();
      }
    }
    throw new IllegalStateException("no scale-out event");
  }

  private static void awaitHealthy(ElasticLoadBalancingV2Client elb, String group, int count)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (healthy(elb, group) < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not " + count + " healthy targets in 3 minutes");
      }
      Thread.sleep(20);
    }
  }

  private static void awaitHealthyExactly(ElasticLoadBalancingV2Client elb, String group, int n)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (elb.describeTargetHealth(r -> r.targetGroupArn(group)).targetHealthDescriptions().size()
            != n
        || healthy(elb, group) != n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not back to " + n + " target in 3 minutes");
      }
      Thread.sleep(100);
    }
  }

  private static long healthy(ElasticLoadBalancingV2Client elb, String group) {
    return elb
        .describeTargetHealth(r -> r.targetGroupArn(group))
        .targetHealthDescriptions()
        .stream()
        .filter(d -> d.targetHealth().state() == TargetHealthStateEnum.HEALTHY)
        .count();
  }

  private static void scaling(URI endpoint, String action, String body) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(endpoint)
                    .header("X-Amz-Target", ScalingActions.PREFIX + action)
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(action + ": " + response.body());
    }
  }

  private static ElasticLoadBalancingV2Client elb(URI endpoint) {
    return ElasticLoadBalancingV2Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
