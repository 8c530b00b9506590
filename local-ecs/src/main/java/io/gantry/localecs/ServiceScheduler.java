package io.gantry.localecs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ECS's service scheduler for one service per call, run on every tick of the core's loop with the
 * lock held.
 *
 * <p>Rolling update, as ECS documents it: the PRIMARY deployment is brought to desiredCount while
 * every other (ACTIVE) deployment drains; a healthy task is stopped only while the healthy count
 * stays at or above ⌈minimumHealthyPercent × desired⌉, and a task is started only while the tasks
 * not yet STOPPED stay at or below ⌊maximumPercent × desired⌋ (tasks still stopping count). A task
 * is healthy when it is RUNNING and, where its containers have health checks, HEALTHY, and, where
 * the service has a load balancer, healthy in its target group. An unhealthy task past
 * healthCheckGracePeriodSeconds is replaced. The rollout is COMPLETED once the primary has its
 * desired healthy tasks, nothing else is left, and that has held for the settle time.
 *
 * <p>Circuit breaker: tasks of the in-progress primary that fail (cannot start, essential container
 * exits, health check fails) count; at ⌈0.5 × desired⌉ clamped to [3, 200] the deployment is FAILED
 * and, with rollback, the last COMPLETED deployment is PRIMARY again.
 */
final class ServiceScheduler {

  private final LocalEcsCore core;

  ServiceScheduler(LocalEcsCore core) {
    this.core = core;
  }

  void reconcile(Model.Cluster cluster, Model.Service service) {
    double now = Model.now();
    List<Model.Task> live = core.serviceTasks(cluster, service, false);
    int desired = service.status.equals("ACTIVE") ? service.desiredCount : 0;
    Model.Deployment primary = service.deployments.isEmpty() ? null : service.deployments.get(0);
    int minHealthy =
        (int) Math.ceil(desired * service.deploymentConfiguration.minimumHealthyPercent / 100.0);
    int maxTotal =
        (int) Math.floor(desired * service.deploymentConfiguration.maximumPercent / 100.0);

    // Replace tasks that failed their health checks once the grace period is over.
    int grace =
        service.healthCheckGracePeriodSeconds == null ? 0 : service.healthCheckGracePeriodSeconds;
    List<String> stoppedIds = new ArrayList<>();
    for (Model.Task t : live) {
      if (!"RUNNING".equals(t.desiredStatus) || t.startedAt == null) {
        continue;
      }
      if (now - t.startedAt < grace) {
        continue;
      }
      String failure = core.healthFailure(service, t);
      if (failure != null) {
        core.runner().stop(t, failure, "ServiceSchedulerInitiated");
        stoppedIds.add(t.id());
      }
    }

    List<Model.Task> active = new ArrayList<>();
    for (Model.Task t : live) {
      if ("RUNNING".equals(t.desiredStatus)) {
        active.add(t);
      }
    }
    int healthy = 0;
    for (Model.Task t : active) {
      if (core.isHealthy(service, t)) {
        healthy++;
      }
    }

    // Stop tasks that are not wanted: those of other deployments, and any above desired in the
    // primary. Unhealthy ones first (they cost nothing), then the oldest healthy ones while the
    // healthy count allows it.
    List<Model.Task> candidates = new ArrayList<>();
    List<Model.Task> primaryTasks = new ArrayList<>();
    for (Model.Task t : active) {
      if (primary != null && primary.id.equals(t.startedBy)) {
        primaryTasks.add(t);
      } else {
        candidates.add(t);
      }
    }
    primaryTasks.sort(Comparator.comparingDouble(t -> t.createdAt));
    while (primaryTasks.size() > desired) {
      candidates.add(primaryTasks.remove(primaryTasks.size() - 1));
    }
    candidates.sort(
        Comparator.comparing((Model.Task t) -> core.isHealthy(service, t))
            .thenComparingDouble(t -> t.createdAt));
    for (Model.Task t : candidates) {
      boolean isHealthy = core.isHealthy(service, t);
      if (isHealthy && healthy - 1 < minHealthy) {
        continue;
      }
      String deployment = t.startedBy == null ? "" : t.startedBy;
      core.runner()
          .stop(
              t,
              "Scaling activity initiated by (deployment " + deployment + ")",
              "ServiceSchedulerInitiated");
      stoppedIds.add(t.id());
      if (isHealthy) {
        healthy--;
      }
    }
    if (!stoppedIds.isEmpty()) {
      core.event(
          service,
          "(service "
              + service.serviceName
              + ") has stopped "
              + stoppedIds.size()
              + " running tasks: "
              + taskList(stoppedIds)
              + ".");
    }

    // Start primary tasks while the total stays within maximumPercent.
    if (primary != null && service.status.equals("ACTIVE")) {
      int liveCount = core.serviceTasks(cluster, service, false).size();
      int need = desired - primaryTasks.size();
      int room = maxTotal - liveCount;
      int start = Math.min(need, room);
      boolean backingOff =
          now - service.lastLaunchFailure < core.options().launchRetryDelaySeconds();
      if (start > 0 && !backingOff) {
        List<String> started = new ArrayList<>();
        for (int i = 0; i < start; i++) {
          Model.Task task = TaskFactory.startServiceTask(core, cluster, service, primary);
          if (task == null) {
            break;
          }
          started.add(task.id());
        }
        if (!started.isEmpty()) {
          core.event(
              service,
              "(service "
                  + service.serviceName
                  + ") has started "
                  + started.size()
                  + " tasks: "
                  + taskList(started)
                  + ".");
        }
      }
    }

    updateCounts(cluster, service);
    checkBreaker(service, desired);
    checkCompleted(cluster, service, desired, now);
  }

  private void updateCounts(Model.Cluster cluster, Model.Service service) {
    int running = 0;
    int pending = 0;
    for (Model.Deployment d : service.deployments) {
      int dr = 0;
      int dp = 0;
      int dActive = 0;
      for (Model.Task t : core.serviceTasks(cluster, service, false)) {
        if (!d.id.equals(t.startedBy)) {
          continue;
        }
        if ("RUNNING".equals(t.lastStatus)) {
          dr++;
        } else if ("PENDING".equals(t.lastStatus) || "PROVISIONING".equals(t.lastStatus)) {
          dp++;
        }
        if ("RUNNING".equals(t.desiredStatus)) {
          dActive++;
        }
      }
      if (d.runningCount != dr || d.pendingCount != dp) {
        d.updatedAt = Model.now();
      }
      d.runningCount = dr;
      d.pendingCount = dp;
      if (!"PRIMARY".equals(d.status)) {
        d.desiredCount = dActive;
      } else {
        d.desiredCount = service.status.equals("ACTIVE") ? service.desiredCount : 0;
      }
      running += dr;
      pending += dp;
    }
    service.runningCount = running;
    service.pendingCount = pending;
  }

  private void checkBreaker(Model.Service service, int desired) {
    if (service.deployments.isEmpty()) {
      return;
    }
    Model.Deployment primary = service.deployments.get(0);
    if (!"IN_PROGRESS".equals(primary.rolloutState)
        || !service.deploymentConfiguration.deploymentCircuitBreaker.enable) {
      return;
    }
    int threshold = Math.max(3, Math.min(200, (int) Math.ceil(0.5 * desired)));
    if (primary.failedTasks < threshold) {
      return;
    }
    primary.rolloutState = "FAILED";
    primary.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.";
    primary.updatedAt = Model.now();
    core.event(
        service,
        "(service "
            + service.serviceName
            + ") (deployment "
            + primary.id
            + ") deployment failed: tasks failed to start.");
    if (!service.deploymentConfiguration.deploymentCircuitBreaker.rollback) {
      return;
    }
    Model.Deployment target = null;
    for (Model.Deployment d : service.deployments) {
      if (d != primary && "COMPLETED".equals(d.rolloutState)) {
        target = d;
        break;
      }
    }
    if (target == null) {
      return;
    }
    service.deployments.remove(target);
    service.deployments.add(0, target);
    primary.status = "ACTIVE";
    target.status = "PRIMARY";
    target.rolloutState = "IN_PROGRESS";
    target.rolloutStateReason =
        "ECS deployment circuit breaker: rolling back to deploymentId " + target.id + ".";
    target.updatedAt = Model.now();
    target.failedTasks = 0;
    service.taskDefinition = target.taskDefinition;
    service.steadySince = 0;
    service.lastLaunchFailure = 0;
    core.event(
        service,
        "(service "
            + service.serviceName
            + ") (deployment "
            + primary.id
            + ") rolling back to deployment "
            + target.id
            + ".");
  }

  private void checkCompleted(
      Model.Cluster cluster, Model.Service service, int desired, double now) {
    if (service.deployments.isEmpty()) {
      return;
    }
    Model.Deployment primary = service.deployments.get(0);
    List<Model.Task> live = core.serviceTasks(cluster, service, false);
    int healthyPrimary = 0;
    boolean others = false;
    for (Model.Task t : live) {
      if (primary.id.equals(t.startedBy) && "RUNNING".equals(t.desiredStatus)) {
        if (core.isHealthy(service, t)) {
          healthyPrimary++;
        }
      } else {
        others = true;
      }
    }
    boolean steady = healthyPrimary == desired && !others;
    if (!steady) {
      service.steadySince = 0;
      return;
    }
    if (service.steadySince == 0) {
      service.steadySince = now;
    }
    if (now - service.steadySince < core.options().settleTime().toMillis() / 1000.0) {
      return;
    }
    if ("IN_PROGRESS".equals(primary.rolloutState)) {
      primary.rolloutState = "COMPLETED";
      primary.rolloutStateReason = "ECS deployment " + primary.id + " completed.";
      primary.updatedAt = now;
      core.event(
          service,
          "(service "
              + service.serviceName
              + ") (deployment "
              + primary.id
              + ") deployment completed.");
      core.event(service, "(service " + service.serviceName + ") has reached a steady state.");
      service.deployments.removeIf(d -> d != primary);
    } else if (service.deployments.size() > 1 && !"FAILED".equals(primary.rolloutState)) {
      service.deployments.removeIf(d -> d != primary);
    }
  }

  private static String taskList(List<String> ids) {
    StringBuilder out = new StringBuilder();
    for (String id : ids) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append("(task ").append(id).append(')');
    }
    return out.toString();
  }
}
