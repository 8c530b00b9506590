package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.localecs.TaskRunner.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Container health checks of running tasks: a probe per container on the runner's scheduler,
 * Docker's rules for HEALTHY/UNHEALTHY, and the task's health derived from its containers'.
 */
final class HealthChecks {

  private final TaskRunner runner;
  private final LocalEcsCore core;
  private final ContainerEngine engine;

  HealthChecks(TaskRunner runner) {
    this.runner = runner;
    this.core = runner.core;
    this.engine = runner.engine;
  }

  /** A container's health check state (Docker's rules; guarded by the core lock). */
  static final class Health {
    final ContainerEngine.HealthCheckSpec spec;
    final double interval;
    final double timeout;
    final int retries;
    final double startPeriod;
    double startedAt;
    int failures;
    String status = "UNKNOWN";

    Health(JsonNode check) {
      this.spec = spec(check);
      this.interval = check.path("interval").asInt(30);
      this.timeout = check.path("timeout").asInt(5);
      this.retries = check.path("retries").asInt(3);
      this.startPeriod = check.path("startPeriod").asInt(0);
    }

    /** The task definition's healthCheck as the engine takes it (ECS's defaults). */
    static ContainerEngine.HealthCheckSpec spec(JsonNode check) {
      List<String> cmd = new ArrayList<>();
      check.get("command").forEach(c -> cmd.add(c.asText()));
      return new ContainerEngine.HealthCheckSpec(
          cmd,
          Duration.ofSeconds(check.path("interval").asInt(30)),
          Duration.ofSeconds(check.path("timeout").asInt(5)),
          check.path("retries").asInt(3),
          Duration.ofSeconds(check.path("startPeriod").asInt(0)));
    }
  }

  void schedule(Model.Task task, String container, Health health, TaskState runtime) {
    long interval = (long) (health.interval * 1000);
    long fast = core.options().healthStartInterval().toMillis();
    ScheduledFuture<?>[] holder = new ScheduledFuture<?>[1];
    Runnable probe =
        new Runnable() {
          @Override
          public void run() {
            if (runtime.stopping || !runner.runtimes.containsKey(task.taskArn)) {
              return;
            }
            String id = runtime.containerIds.get(container);
            ContainerEngine.ExecResult result;
            try {
              result = engine.check(id, health.spec);
            } catch (EngineException e) {
              result = new ContainerEngine.ExecResult(-1, e.getMessage());
            }
            boolean early;
            synchronized (core) {
              early = Model.now() - health.startedAt < health.interval;
              recordProbe(task, container, health, result.exitCode() == 0, early);
            }
            if (runtime.stopping) {
              return;
            }
            long delay = early && !health.status.equals("HEALTHY") ? fast : interval;
            try {
              synchronized (runtime.probes) {
                runtime.probes.add(
                    runner.probes.schedule(
                        () -> runner.workers.execute(this), delay, TimeUnit.MILLISECONDS));
              }
            } catch (java.util.concurrent.RejectedExecutionException e) {
              // shutting down
            }
          }
        };
    holder[0] =
        runner.probes.schedule(() -> runner.workers.execute(probe), 0, TimeUnit.MILLISECONDS);
    synchronized (runtime.probes) {
      runtime.probes.add(holder[0]);
    }
  }

  /**
   * Docker's health rules, with one local shortcut: during the first interval probes run every
   * healthStartInterval and only a success counts, so a task is healthy as soon as it answers.
   */
  private void recordProbe(
      Model.Task task, String container, Health health, boolean success, boolean early) {
    if (success) {
      health.failures = 0;
      health.status = "HEALTHY";
    } else if (!early && Model.now() - health.startedAt >= health.startPeriod) {
      health.failures++;
      if (health.failures >= health.retries) {
        health.status = "UNHEALTHY";
      }
    }
    Model.Container c = TaskRunner.container(task, container);
    if (c != null && !"STOPPED".equals(c.lastStatus)) {
      c.healthStatus = health.status;
    }
    updateTaskHealth(task);
  }

  void updateTaskHealth(Model.Task task) {
    ObjectNode def = core.taskDefinition(task.taskDefinitionArn);
    boolean anyCheck = false;
    boolean allHealthy = true;
    boolean unhealthy = false;
    for (JsonNode d : def.get("containerDefinitions")) {
      Model.Container c = TaskRunner.container(task, d.get("name").asText());
      if (c == null || c.healthStatus == null) {
        continue;
      }
      anyCheck = true;
      allHealthy &= c.healthStatus.equals("HEALTHY");
      unhealthy |= d.get("essential").asBoolean() && c.healthStatus.equals("UNHEALTHY");
    }
    String status =
        !anyCheck ? "UNKNOWN" : unhealthy ? "UNHEALTHY" : allHealthy ? "HEALTHY" : "UNKNOWN";
    if (!status.equals(task.healthStatus)) {
      task.healthStatus = status;
      task.version++;
      core.wake();
    }
  }
}
