package io.gantry.localecs;

import io.gantry.engine.ContainerEngine.ContainerSpec;
import io.gantry.engine.ContainerEngine.PortMapping;
import io.gantry.engine.DockerEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Service;

/**
 * bench/local-ecs-rollout: a rolling deploy of 4 tasks (100/200) from UpdateService to COMPLETED,
 * against its lower bound measured in the same run on the same engine: start 4 containers of the
 * new version at once, run each one's health check back to back until it first passes, then stop
 * and remove 4 old containers. Settle time 0 (it adds exactly its configured value).
 */
public final class RolloutBench {

  private RolloutBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    LocalEcs.Options options =
        LocalEcs.Options.defaults(dir)
            .withTiming(LocalEcs.Options.defaults(dir).tickInterval(), Duration.ZERO)
            .withDefaultStopTimeout(Duration.ofSeconds(2))
            .withStopTasksOnClose(true);
    List<Long> rollouts = new ArrayList<>();
    List<Long> bounds = new ArrayList<>();
    try (LocalEcs local = LocalEcs.start(options);
        EcsClient ecs = TestSupport.ecs(local.endpoint());
        DockerEngine engine = new DockerEngine(local.dockerHost())) {
      TestImages.ensure(engine);
      ecs.registerTaskDefinition(r -> r.family("bench").containerDefinitions(EcsApiTest.web("v1")));
      ecs.createService(
          r ->
              r.serviceName("bench")
                  .taskDefinition("bench")
                  .desiredCount(4)
                  .deploymentConfiguration(c -> c.minimumHealthyPercent(100).maximumPercent(200)));
      awaitCompleted(ecs, "bench:1");
      for (int round = 0; round < rounds; round++) {
        String version = "v" + (round + 2);
        String arn =
            ecs.registerTaskDefinition(
                    r -> r.family("bench").containerDefinitions(EcsApiTest.web(version)))
                .taskDefinition()
                .taskDefinitionArn();
        long start = System.nanoTime();
        ecs.updateService(r -> r.service("bench").taskDefinition(arn));
        awaitCompleted(ecs, arn.substring(arn.lastIndexOf('/') + 1));
        long rollout = (System.nanoTime() - start) / 1_000_000;
        long bound = lowerBound(engine, version);
        rollouts.add(rollout);
        bounds.add(bound);
        System.out.printf(
            "round %d: rollout %d ms, lower bound %d ms%n", round + 1, rollout, bound);
        if (System.getenv("BENCH_TIMELINE") != null) {
          timeline(ecs, start);
        }
      }
    }
    long r = median(rollouts);
    long b = median(bounds);
    System.out.printf(
        "median of %d: UpdateService -> COMPLETED %d ms; lower bound %d ms; overhead %d ms%n",
        rounds, r, b, r - b);
  }

  private static void awaitCompleted(EcsClient ecs, String familyRevision) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Service s = ecs.describeServices(q -> q.services("bench")).services().get(0);
      if (s.deployments().size() == 1
          && s.deployments().get(0).taskDefinition().endsWith("/" + familyRevision)
          && "COMPLETED".equals(s.deployments().get(0).rolloutStateAsString())) {
        return;
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("no COMPLETED rollout to " + familyRevision + " in 120 s");
  }

  /** 4 new containers started and healthy, then 4 old ones stopped: the engine's own cost. */
  private static long lowerBound(DockerEngine engine, String version) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<String> old = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String id = engine.create(spec("old", version, i));
        engine.start(id);
        old.add(id);
      }
      long start = System.nanoTime();
      List<Future<String>> started = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = i;
        started.add(
            pool.submit(
                () -> {
                  String id = engine.create(spec("new", version, n));
                  engine.start(id);
                  List<String> check = List.of("/bin/sh", "-c", TestImages.HEALTH_CHECK.get(1));
                  while (engine.exec(id, check, Duration.ofSeconds(5)).exitCode() != 0) {
                    // back to back: the soonest the check can pass
                  }
                  return id;
                }));
      }
      List<String> fresh = new ArrayList<>();
      for (Future<String> f : started) {
        fresh.add(f.get());
      }
      List<Future<?>> stops = new ArrayList<>();
      for (String id : old) {
        stops.add(
            pool.submit(
                () -> {
                  engine.stop(id, Duration.ofSeconds(2));
                  engine.remove(id);
                }));
      }
      for (Future<?> f : stops) {
        f.get();
      }
      long elapsed = (System.nanoTime() - start) / 1_000_000;
      for (String id : fresh) {
        engine.remove(id);
      }
      return elapsed;
    } finally {
      pool.shutdownNow();
    }
  }

  private static ContainerSpec spec(String kind, String version, int n) {
    return new ContainerSpec(
        "bench-" + kind + "-" + n + "-" + Arns.hex(4),
        TestImages.BUSYBOX,
        null,
        TestImages.WEB_COMMAND,
        List.of("VERSION=" + version),
        null,
        null,
        List.of(new PortMapping(8080, 0, "tcp")),
        64L * 1024 * 1024,
        null,
        null,
        2,
        Map.of("io.gantry.bench", "local-ecs-rollout"),
        null,
        null);
  }

  /** Where the time went: each task's transitions relative to UpdateService (BENCH_TIMELINE=1). */
  private static void timeline(EcsClient ecs, long startNanos) {
    long startMillis = System.currentTimeMillis() - (System.nanoTime() - startNanos) / 1_000_000;
    List<String> arns = new ArrayList<>(ecs.listTasks(q -> q.serviceName("bench")).taskArns());
    List<String> stopped =
        ecs.listTasks(q -> q.serviceName("bench").desiredStatus("STOPPED")).taskArns();
    arns.addAll(stopped.subList(Math.max(0, stopped.size() - 4), stopped.size()));
    for (var t : ecs.describeTasks(q -> q.tasks(arns)).tasks()) {
      System.out.printf(
          "  %s %s created %s started %s stopping %s stopped %s%n",
          t.taskArn().substring(t.taskArn().length() - 6),
          t.taskDefinitionArn().substring(t.taskDefinitionArn().lastIndexOf('/') + 1),
          rel(t.createdAt(), startMillis),
          rel(t.startedAt(), startMillis),
          rel(t.stoppingAt(), startMillis),
          rel(t.stoppedAt(), startMillis));
    }
  }

  private static String rel(java.time.Instant at, long startMillis) {
    return at == null ? "-" : String.valueOf(at.toEpochMilli() - startMillis);
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
