package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.localecs.TaskRunner.TaskState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Stops tasks: desiredStatus STOPPED at once, then on a worker the load balancer's drain, SIGTERM
 * and SIGKILL after each container's stopTimeout, the logs kept, the containers (and an awsvpc
 * task's network) removed; and the waits for stopping tasks when local-ecs closes.
 */
final class TaskStopper {

  private static final Logger LOG = Logger.getLogger(TaskStopper.class.getName());

  private final TaskRunner runner;
  private final LocalEcsCore core;
  private final ContainerEngine engine;

  TaskStopper(TaskRunner runner) {
    this.runner = runner;
    this.core = runner.core;
    this.engine = runner.engine;
  }

  /**
   * Asks a task to stop (caller holds the lock): desiredStatus STOPPED at once, the containers
   * stopped on a worker. The first reason given is the one kept.
   */
  void stop(Model.Task task, String reason, String stopCode) {
    if (task.stopped()) {
      return;
    }
    if (task.stoppedReason == null && reason != null) {
      task.stoppedReason = reason;
      task.stopCode = stopCode;
    }
    if (!"STOPPED".equals(task.desiredStatus)) {
      task.desiredStatus = "STOPPED";
      task.stoppingAt = Model.now();
      task.version++;
    }
    TaskState runtime = runner.runtimes.computeIfAbsent(task.taskArn, k -> new TaskState());
    if (runtime.launching || runtime.stopping) {
      return;
    }
    runtime.stopping = true;
    if (!"PROVISIONING".equals(task.lastStatus) && !"PENDING".equals(task.lastStatus)) {
      task.lastStatus = "STOPPING";
    }
    Duration drain = core.drainDelay(task);
    runner.workers.execute(() -> stopNow(task, runtime, drain));
  }

  private void stopNow(Model.Task task, TaskState runtime, Duration drain) {
    if (!drain.isZero()) {
      synchronized (core) {
        task.lastStatus = "DEACTIVATING";
      }
      long deadline = System.nanoTime() + drain.toNanos();
      LoadBalancers lb = core.loadBalancers();
      while (System.nanoTime() < deadline && lb != null && lb.inFlight(task)) {
        TaskRunner.sleep(20);
      }
      synchronized (core) {
        task.lastStatus = "STOPPING";
      }
    }
    synchronized (runtime.probes) {
      runtime.probes.forEach(f -> f.cancel(false));
    }
    ObjectNode def;
    synchronized (core) {
      def = core.taskDefinition(task.taskDefinitionArn);
    }
    Map<String, Integer> exitCodes = new HashMap<>();
    List<String> names = new ArrayList<>(runtime.containerIds.keySet());
    List<java.util.concurrent.Future<?>> stops = new ArrayList<>();
    for (String name : names) {
      String id = runtime.containerIds.get(name);
      int timeout = (int) core.options().defaultStopTimeout().toSeconds();
      for (JsonNode d : def.get("containerDefinitions")) {
        if (d.get("name").asText().equals(name) && d.has("stopTimeout")) {
          timeout = d.get("stopTimeout").asInt();
        }
      }
      if (runtime.recovered && task.stoppingAt != null) {
        timeout = (int) Math.max(0, Math.ceil(task.stoppingAt + timeout - Model.now()));
      }
      int t = timeout;
      stops.add(
          runner.workers.submit(
              () -> {
                try {
                  engine.stop(id, Duration.ofSeconds(t));
                  ContainerStatus s = engine.inspect(id);
                  if (s != null && s.exitCode() != null) {
                    synchronized (exitCodes) {
                      exitCodes.put(name, s.exitCode());
                    }
                  }
                  keepLogs(task, name, id);
                  if (!id.equals(runtime.networkOwner)) {
                    engine.remove(id);
                  }
                } catch (RuntimeException e) {
                  LOG.log(Level.WARNING, "stopping container " + id + " failed", e);
                  try {
                    engine.remove(id);
                  } catch (RuntimeException again) {
                    LOG.log(Level.WARNING, "removing container " + id + " failed", again);
                  }
                }
              }));
    }
    for (var f : stops) {
      try {
        f.get();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "stop of " + task.taskArn, e);
      }
    }
    if (AwsVpc.enabled(def)) {
      // The namespace's holder goes after the containers that joined it, then the network.
      try {
        if (runtime.networkOwner != null) {
          engine.remove(runtime.networkOwner);
        }
        engine.removeNetwork(AwsVpc.network(task));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "removing the network of " + task.taskArn + " failed", e);
      }
    }
    synchronized (core) {
      double now = Model.now();
      for (Model.Container c : task.containers) {
        Integer code = exitCodes.get(c.name);
        if (c.exitCode == null && code != null) {
          c.exitCode = code;
        }
        c.lastStatus = "STOPPED";
      }
      task.lastStatus = "STOPPED";
      task.stoppedAt = now;
      task.executionStoppedAt = now;
      task.version++;
      runner.runtimes.remove(task.taskArn);
      core.taskStopped(task);
    }
    core.wake();
  }

  private void keepLogs(Model.Task task, String container, String id) {
    try {
      String logs = engine.logs(id);
      Path file = core.logFile(task.id(), container);
      Files.createDirectories(file.getParent());
      Files.writeString(file, logs, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "could not keep the logs of " + id, e);
    }
  }

  /** Stops every live task (used when local-ecs is asked to remove its tasks on close). */
  void stopAll(Duration timeout) {
    synchronized (core) {
      for (Model.Task task : core.state().tasks.values()) {
        stop(task, "Task stopped: local-ecs shut down", "UserInitiated");
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!runner.runtimes.isEmpty() && System.nanoTime() < deadline) {
      TaskRunner.sleep(50);
    }
  }

  /**
   * Lets the tasks being stopped finish stopping before local-ecs goes down: their containers got
   * SIGTERM and the engine sends SIGKILL after the stop timeout, but only while it runs (when
   * Podman's service stops first, a container whose PID 1 ignores SIGTERM stays "stopping" with its
   * processes for good). Waits up to the longest stop timeout plus the margin; containers still
   * there then are killed.
   */
  void finishStopping(Duration margin) {
    long longest = core.options().defaultStopTimeout().toSeconds();
    synchronized (core) {
      for (Map.Entry<String, TaskState> e : runner.runtimes.entrySet()) {
        Model.Task task = core.state().tasks.get(e.getKey());
        if (task == null || !e.getValue().stopping) {
          continue;
        }
        for (JsonNode d : core.taskDefinition(task.taskDefinitionArn).get("containerDefinitions")) {
          longest = Math.max(longest, d.path("stopTimeout").asLong(0));
        }
      }
    }
    if (!awaitStopped(Duration.ofSeconds(longest).plus(margin))) {
      for (TaskState r : runner.runtimes.values()) {
        if (r.stopping) {
          for (String id : r.containerIds.values()) {
            try {
              engine.stop(id, Duration.ZERO);
            } catch (EngineException e) {
              LOG.log(Level.WARNING, "could not kill container " + id, e);
            }
          }
        }
      }
      awaitStopped(margin);
    }
  }

  private boolean awaitStopped(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (runner.runtimes.values().stream().noneMatch(r -> r.stopping)) {
        return true;
      }
      TaskRunner.sleep(50);
    }
    return false;
  }
}
