package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Application Auto Scaling's target tracking for the registered ECS services, run on a thread of
 * its own once per metric period ({@link LocalEcs.Options#metricPeriod()}; CloudWatch's is a
 * minute), apart from the core's loop so that a slow tick does not stretch the periods.
 *
 * <p>Each period it measures, without the core's lock, every running task of a scaled service: CPU
 * (the engine's CPU time over the period, against the task's CPU units, 1024 a vCPU; a task
 * reserving none counts 1024) and memory in use (against the task's memory), summed over the
 * service as ECS's {@code CPUUtilization} and {@code MemoryUtilization} are (only for a service
 * with such a policy); and each target group's requests over the period per healthy target, scaled
 * to a minute as ALB's {@code RequestCountPerTarget}. Then, with the lock, each policy's two alarms
 * are evaluated as target tracking creates them: high after 3 consecutive periods above the target,
 * low after 15 below 90 % of it. High scales out to ⌈desired × metric ÷ target⌉ unless the policy's
 * ScaleOutCooldown since the last scale-out is running; low scales in (every policy must agree,
 * none may disable scale-in, no deployment may be in progress, as ECS suspends scale-in during
 * deployments) unless the ScaleInCooldown since the last scale-in or the ScaleOutCooldown since the
 * last scale-out is running; always within the target's min and max. Each change is a scaling
 * activity and an event of the service.
 */
final class AutoScaler implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AutoScaler.class.getName());
  private static final int MAX_ACTIVITIES = 500;
  static final int HIGH_PERIODS = 3;
  static final int LOW_PERIODS = 15;
  private static final int DEFAULT_COOLDOWN = 300;

  private final LocalEcsCore core;
  private final ContainerEngine engine;
  private final Map<String, ContainerStats> previousStats = new HashMap<>();
  private final Map<String, long[]> previousRequests = new HashMap<>();
  private final java.util.concurrent.ScheduledExecutorService timer =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "local-ecs-autoscaling");
            t.setDaemon(true);
            return t;
          });

  AutoScaler(LocalEcsCore core, ContainerEngine engine) {
    this.core = core;
    this.engine = engine;
  }

  /** Starts measuring and evaluating once per metric period. */
  void start() {
    long period = core.options().metricPeriod().toMillis();
    var unused =
        timer.scheduleAtFixedRate(
            () -> {
              try {
                run();
              } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "local-ecs auto scaling", e);
              }
            },
            period,
            period,
            java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** What to measure for one scaled service. */
  private record Probe(
      String resourceId,
      List<TaskProbe> tasks,
      boolean usage,
      Map<String, String> targetGroups /* label→arn */) {}

  private record TaskProbe(List<String> containerIds, int cpuUnits, int memoryMiB) {}

  /** One period's metrics of one service; NaN where there was no data. */
  record Metrics(double cpu, double memory, Map<String, Double> requestsPerTarget) {}

  /** One metric period: measures without the core's lock, then evaluates with it. */
  void run() {
    List<Probe> probes;
    synchronized (core) {
      StepScaler.evaluate(core);
      probes = probes();
    }
    if (probes.isEmpty()) {
      previousStats.clear();
      previousRequests.clear();
      return;
    }
    Map<String, Metrics> measured = new HashMap<>();
    Map<String, ContainerStats> seen = new HashMap<>();
    for (Probe probe : probes) {
      measured.put(probe.resourceId(), measure(probe, seen));
    }
    previousStats.clear();
    previousStats.putAll(seen);
    synchronized (core) {
      for (Model.ScalableTarget target : core.state().scalableTargets.values()) {
        Metrics metrics = measured.get(target.resourceId);
        if (metrics != null) {
          evaluate(target, metrics);
        }
      }
    }
  }

  private List<Probe> probes() {
    List<Probe> out = new ArrayList<>();
    for (Model.ScalableTarget target : core.state().scalableTargets.values()) {
      Model.Service service = service(core, target.resourceId);
      if (service == null || target.policies.isEmpty()) {
        continue;
      }
      Model.Cluster cluster = core.clusters().get(target.resourceId.split("/")[1]);
      List<TaskProbe> tasks = new ArrayList<>();
      for (Model.Task t : core.serviceTasks(cluster, service, false)) {
        if (!"RUNNING".equals(t.lastStatus) || !"RUNNING".equals(t.desiredStatus)) {
          continue;
        }
        List<String> ids = new ArrayList<>();
        t.containers.forEach(c -> ids.add(c.runtimeId));
        ids.removeIf(java.util.Objects::isNull);
        int[] demand = Placement.demand(core.taskDefinition(t.taskDefinitionArn));
        tasks.add(new TaskProbe(ids, demand[0] > 0 ? demand[0] : 1024, demand[1]));
      }
      Map<String, String> groups = new HashMap<>();
      boolean usage = false;
      for (Model.ScalingPolicy p : target.policies.values()) {
        if (p.targetTrackingScalingPolicyConfiguration == null) {
          continue;
        }
        usage |=
            !p.targetTrackingScalingPolicyConfiguration
                .path("PredefinedMetricSpecification")
                .path("PredefinedMetricType")
                .asText()
                .equals("ALBRequestCountPerTarget");
        String label =
            p.targetTrackingScalingPolicyConfiguration
                .path("PredefinedMetricSpecification")
                .path("ResourceLabel")
                .asText("");
        Model.TargetGroup group = label.isEmpty() ? null : targetGroupOf(core, service, label);
        if (group != null) {
          groups.put(label, group.targetGroupArn);
        }
      }
      out.add(new Probe(target.resourceId, usage ? tasks : List.of(), usage, groups));
    }
    return out;
  }

  private Metrics measure(Probe probe, Map<String, ContainerStats> seen) {
    double usedUnits = 0;
    double reservedUnits = 0;
    double usedMiB = 0;
    double reservedMiB = 0;
    boolean cpuData = false;
    for (TaskProbe task : probe.tasks()) {
      double taskUnits = 0;
      boolean taskData = false;
      double taskMiB = 0;
      for (String id : task.containerIds()) {
        ContainerStats stats;
        try {
          stats = engine.stats(id);
        } catch (RuntimeException e) {
          LOG.log(Level.FINE, "stats of " + id, e);
          continue;
        }
        if (stats == null) {
          continue;
        }
        seen.put(id, stats);
        taskMiB += stats.memoryBytes() / (1024.0 * 1024.0);
        ContainerStats before = previousStats.get(id);
        long wall = before == null ? 0 : stats.readAtNanos() - before.readAtNanos();
        if (wall > 0 && stats.cpuNanos() >= before.cpuNanos()) {
          taskUnits += (stats.cpuNanos() - before.cpuNanos()) * 1024.0 / wall;
          taskData = true;
        }
      }
      if (taskData) {
        cpuData = true;
        usedUnits += taskUnits;
        reservedUnits += task.cpuUnits();
      }
      if (task.memoryMiB() > 0) {
        usedMiB += taskMiB;
        reservedMiB += task.memoryMiB();
      }
    }
    double cpu = cpuData ? 100.0 * usedUnits / reservedUnits : Double.NaN;
    double memory = reservedMiB > 0 ? 100.0 * usedMiB / reservedMiB : Double.NaN;
    Map<String, Double> perTarget = new HashMap<>();
    LoadBalancers lb = core.loadBalancers();
    for (Map.Entry<String, String> e : probe.targetGroups().entrySet()) {
      if (lb == null) {
        continue;
      }
      LoadBalancers.RequestCount count = lb.requests(e.getValue());
      long at = System.nanoTime();
      long[] before = previousRequests.put(e.getValue(), new long[] {count.requests(), at});
      if (before != null && at > before[1]) {
        double minutes = (at - before[1]) / 60e9;
        perTarget.put(
            e.getKey(),
            (count.requests() - before[0])
                / (double) Math.max(1, count.healthyTargets())
                / minutes);
      }
    }
    return new Metrics(cpu, memory, perTarget);
  }

  /** Evaluates the target's policies on one period's metrics (lock held). */
  private void evaluate(Model.ScalableTarget target, Metrics metrics) {
    Model.Service service = service(core, target.resourceId);
    if (service == null) {
      return;
    }
    double now = Model.now();
    int current = service.desiredCount;
    int out = -1;
    Model.ScalingPolicy outPolicy = null;
    int in = -1;
    Model.ScalingPolicy inPolicy = null;
    boolean allLow = true;
    for (Model.ScalingPolicy p : target.policies.values()) {
      JsonNode config = p.targetTrackingScalingPolicyConfiguration;
      if (config == null) {
        continue;
      }
      double goal = config.path("TargetValue").asDouble();
      double value = value(config, metrics);
      p.lastValue = value;
      if (Double.isNaN(value)) {
        p.highPeriods = 0;
        p.lowPeriods = 0;
        allLow = false;
        continue;
      }
      p.highPeriods = value > goal ? p.highPeriods + 1 : 0;
      p.lowPeriods = value < 0.9 * goal ? p.lowPeriods + 1 : 0;
      int proposed = (int) Math.ceil(current * value / goal - 1e-9);
      if (p.highPeriods >= HIGH_PERIODS && proposed > current && proposed > out) {
        int cooldown = config.path("ScaleOutCooldown").asInt(DEFAULT_COOLDOWN);
        if (now - target.lastScaleOut >= cooldown) {
          out = proposed;
          outPolicy = p;
        }
      }
      if (p.lowPeriods < LOW_PERIODS || config.path("DisableScaleIn").asBoolean(false)) {
        allLow = false;
      } else if (proposed > in) {
        in = proposed;
        inPolicy = p;
      }
    }
    if (outPolicy != null && !target.dynamicScalingOutSuspended) {
      int desired = Math.min(target.maxCapacity, Math.max(target.minCapacity, out));
      if (desired > current) {
        setDesired(
            core, target, service, desired, cause(target, outPolicy, "AlarmHigh"), outPolicy);
        target.lastScaleOut = now;
        outPolicy.highPeriods = 0;
      }
      return;
    }
    if (!allLow || inPolicy == null || target.dynamicScalingInSuspended || deploying(service)) {
      return;
    }
    JsonNode config = inPolicy.targetTrackingScalingPolicyConfiguration;
    if (now - target.lastScaleIn < config.path("ScaleInCooldown").asInt(DEFAULT_COOLDOWN)
        || now - target.lastScaleOut < config.path("ScaleOutCooldown").asInt(DEFAULT_COOLDOWN)) {
      return;
    }
    int desired = Math.min(target.maxCapacity, Math.max(target.minCapacity, in));
    if (desired < current) {
      setDesired(core, target, service, desired, cause(target, inPolicy, "AlarmLow"), inPolicy);
      target.lastScaleIn = now;
      target.policies.values().forEach(p -> p.lowPeriods = 0);
    }
  }

  private static double value(JsonNode config, Metrics metrics) {
    JsonNode spec = config.path("PredefinedMetricSpecification");
    return switch (spec.path("PredefinedMetricType").asText()) {
      case "ECSServiceAverageCPUUtilization" -> metrics.cpu();
      case "ECSServiceAverageMemoryUtilization" -> metrics.memory();
      case "ALBRequestCountPerTarget" ->
          metrics.requestsPerTarget().getOrDefault(spec.path("ResourceLabel").asText(), Double.NaN);
      default -> Double.NaN;
    };
  }

  /** A deployment is in progress while an older one still has tasks to drain. */
  private static boolean deploying(Model.Service service) {
    return service.deployments.size() > 1;
  }

  private static String cause(
      Model.ScalableTarget target, Model.ScalingPolicy policy, String level) {
    String alarm = target.resourceId;
    for (JsonNode a : policy.alarms) {
      if (a.path("AlarmName").asText().contains("-" + level + "-")) {
        alarm = a.path("AlarmName").asText();
      }
    }
    JsonNode config = policy.targetTrackingScalingPolicyConfiguration;
    return String.format(
        Locale.ROOT,
        "monitor alarm %s in state ALARM triggered policy %s (%s %.1f %s target %.1f)",
        alarm,
        policy.policyName,
        config.path("PredefinedMetricSpecification").path("PredefinedMetricType").asText(),
        policy.lastValue,
        level.equals("AlarmHigh") ? ">" : "<",
        level.equals("AlarmHigh")
            ? config.path("TargetValue").asDouble()
            : 0.9 * config.path("TargetValue").asDouble());
  }

  /**
   * Sets the service's desired count for Application Auto Scaling, recording the activity and the
   * service's event (lock held).
   */
  static void setDesired(
      LocalEcsCore core,
      Model.ScalableTarget target,
      Model.Service service,
      int desired,
      String cause,
      Model.ScalingPolicy policy) {
    int was = service.desiredCount;
    service.desiredCount = desired;
    Model.ScalingActivity a = new Model.ScalingActivity();
    a.activityId = Arns.uuid();
    a.resourceId = target.resourceId;
    a.description = "Setting desired count to " + desired + ".";
    a.cause = cause;
    a.startTime = Model.now();
    a.endTime = a.startTime;
    a.statusCode = "Successful";
    a.statusMessage =
        "Successfully set desired count to " + desired + ". Change successfully fulfilled by ecs.";
    List<Model.ScalingActivity> activities = core.state().scalingActivities;
    activities.add(0, a);
    while (activities.size() > MAX_ACTIVITIES) {
      activities.remove(activities.size() - 1);
    }
    core.event(
        service,
        "(service "
            + service.serviceName
            + ") Application Auto Scaling "
            + (desired > was ? "scaled out" : "scaled in")
            + " from "
            + was
            + " to "
            + desired
            + " tasks"
            + (policy == null ? "" : " by policy " + policy.policyName)
            + ": "
            + cause
            + ".");
    core.wake();
  }

  /** The ACTIVE service of a {@code service/CLUSTER/NAME} resource id, or null (lock held). */
  static Model.Service service(LocalEcsCore core, String resourceId) {
    String[] parts = resourceId.split("/");
    Model.Cluster cluster = core.clusters().get(parts[1]);
    Model.Service service = cluster == null ? null : cluster.services.get(parts[2]);
    return service == null || !service.status.equals("ACTIVE") ? null : service;
  }

  /**
   * The service's target group a {@code ResourceLabel} names ({@code
   * app/LB/ID/targetgroup/NAME/ID}: its {@code targetgroup/NAME/ID} part ends the target group's
   * ARN), or null (lock held).
   */
  static Model.TargetGroup targetGroupOf(
      LocalEcsCore core, Model.Service service, String resourceLabel) {
    int at = resourceLabel.indexOf("/targetgroup/");
    if (!resourceLabel.startsWith("app/") || at < 0) {
      return null;
    }
    String suffix = resourceLabel.substring(at + 1);
    for (JsonNode lb : service.loadBalancers) {
      Model.TargetGroup group = core.targetGroup(lb.path("targetGroupArn").asText());
      if (group != null && group.targetGroupArn.endsWith(":" + suffix)) {
        return group;
      }
    }
    return null;
  }
}
