package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.localecs.HealthChecks.Health;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs tasks as containers: launch (pull, create, start in dependsOn order, publish ports), watch
 * (an essential container that exits stops its task), container health checks, stop (SIGTERM,
 * SIGKILL after stopTimeout; logs kept; containers removed, so nothing is left behind).
 *
 * <p>Engine calls happen on worker threads without the core's lock; every change to the model is
 * made under it. A task's lastStatus moves PROVISIONING → PENDING → RUNNING → STOPPING → STOPPED
 * (or straight to STOPPED when it fails to start), as in ECS.
 *
 * <p>This class holds the live tasks' runtime state, the watch and the recovery after a restart;
 * launching is {@link TaskLauncher}'s (with {@link ContainerSpecs}), stopping {@link TaskStopper}'s
 * and the health checks {@link HealthChecks}'.
 */
final class TaskRunner {

  private static final Logger LOG = Logger.getLogger(TaskRunner.class.getName());

  static final String LABEL_INSTANCE = "io.gantry.local-ecs.instance";
  static final String LABEL_TASK = "io.gantry.local-ecs.task";
  static final String LABEL_CONTAINER = "io.gantry.local-ecs.container";

  final LocalEcsCore core;
  final ContainerEngine engine;
  final ExecutorService workers;
  final ScheduledExecutorService probes;
  final Map<String, TaskState> runtimes = new ConcurrentHashMap<>();
  private final TaskLauncher launcher;
  private final TaskStopper stopper;
  private final HealthChecks healthChecks;

  /** What is known about a live task beyond the model (rebuilt from labels after a restart). */
  static final class TaskState {
    final Map<String, String> containerIds = new ConcurrentHashMap<>();
    final Map<String, Health> health = new HashMap<>();
    final List<ScheduledFuture<?>> probes = new ArrayList<>();
    volatile boolean launching;
    volatile boolean stopping;

    /** awsvpc: the container holding the task's network namespace (null before it exists). */
    volatile String networkOwner;

    /** Values of the containers' secrets, between launch and creation only (never persisted). */
    final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();

    /** Found again after a restart: its stop began before, only what is left of it is waited. */
    volatile boolean recovered;
  }

  TaskRunner(LocalEcsCore core, ContainerEngine engine) {
    this.core = core;
    this.engine = engine;
    this.workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "local-ecs-task");
              t.setDaemon(true);
              return t;
            });
    this.probes =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "local-ecs-health");
              t.setDaemon(true);
              return t;
            });
    this.launcher = new TaskLauncher(this);
    this.stopper = new TaskStopper(this);
    this.healthChecks = new HealthChecks(this);
  }

  HealthChecks health() {
    return healthChecks;
  }

  boolean isBusy(String taskArn) {
    TaskState r = runtimes.get(taskArn);
    return r != null && (r.launching || r.stopping);
  }

  /** Starts launching a task the caller has just added (PROVISIONING) to the state. */
  void launch(Model.Task task, ObjectNode taskDefinition) {
    TaskState runtime = new TaskState();
    runtime.launching = true;
    runtimes.put(task.taskArn, runtime);
    workers.execute(() -> launcher.launchNow(task, taskDefinition, runtime));
  }

  /** The container's output: live from the engine, or the copy kept when it stopped. */
  String logs(Model.Task task, String container) {
    TaskState runtime = runtimes.get(task.taskArn);
    String id = runtime == null ? null : runtime.containerIds.get(container);
    if (id != null) {
      try {
        return engine.logs(id);
      } catch (EngineException e) {
        // fall back to the kept copy
      }
    }
    Path file = core.logFile(task.id(), container);
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * One watch pass (called by the core's loop without the lock): containers that have exited are
   * recorded; a task whose essential container exited is stopped; containers of this instance that
   * belong to no live task are removed.
   */
  void watch() {
    List<ContainerStatus> listed = engine.list(Map.of(LABEL_INSTANCE, core.instanceId()));
    Map<String, ContainerStatus> byId = new HashMap<>();
    listed.forEach(c -> byId.put(c.id(), c));
    Map<String, ContainerStatus> exited = new HashMap<>();
    List<ContainerStatus> orphans = new ArrayList<>();
    synchronized (core) {
      for (Map.Entry<String, TaskState> e : runtimes.entrySet()) {
        TaskState r = e.getValue();
        if (r.launching || r.stopping) {
          continue;
        }
        for (String id : r.containerIds.values()) {
          ContainerStatus s = byId.get(id);
          if (s == null || !s.running()) {
            exited.put(id, s);
          }
        }
      }
      for (ContainerStatus c : listed) {
        String taskArn = c.labels().get(LABEL_TASK);
        Model.Task task = taskArn == null ? null : core.state().tasks.get(taskArn);
        if ((task == null || task.stopped()) && !runtimes.containsKey(taskArn)) {
          orphans.add(c);
        }
      }
    }
    // The list may predate a container created since: ask the engine about each one again.
    Map<String, Integer> exitCodes = new HashMap<>();
    for (String id : new ArrayList<>(exited.keySet())) {
      ContainerStatus s = engine.inspect(id);
      if (s != null && s.running()) {
        exited.remove(id);
      } else {
        exitCodes.put(id, s == null ? null : s.exitCode());
      }
    }
    for (ContainerStatus orphan : orphans) {
      try {
        engine.remove(orphan.id());
      } catch (EngineException e) {
        LOG.log(Level.WARNING, "could not remove orphan container " + orphan.id(), e);
      }
    }
    if (exited.isEmpty()) {
      return;
    }
    synchronized (core) {
      for (Map.Entry<String, TaskState> e : runtimes.entrySet()) {
        TaskState r = e.getValue();
        if (r.launching || r.stopping) {
          continue;
        }
        Model.Task task = core.state().tasks.get(e.getKey());
        if (task == null) {
          continue;
        }
        ObjectNode def = core.taskDefinition(task.taskDefinitionArn);
        for (Map.Entry<String, String> c : r.containerIds.entrySet()) {
          if (!exited.containsKey(c.getValue())) {
            continue;
          }
          Model.Container container = container(task, c.getKey());
          if (container == null || "STOPPED".equals(container.lastStatus)) {
            continue;
          }
          container.lastStatus = "STOPPED";
          container.exitCode = exitCodes.get(c.getValue());
          task.version++;
          boolean essential = true;
          for (JsonNode d : def.get("containerDefinitions")) {
            if (d.get("name").asText().equals(c.getKey())) {
              essential = d.get("essential").asBoolean();
            }
          }
          if (essential) {
            stop(task, "Essential container in task exited", "EssentialContainerExited");
          }
        }
      }
    }
  }

  /**
   * After a restart: finds the containers of the tasks the state says are live (by label) and
   * watches them again; a task caught half-started is stopped.
   */
  void recover() {
    List<ContainerStatus> listed = engine.list(Map.of(LABEL_INSTANCE, core.instanceId()));
    synchronized (core) {
      for (Model.Task task : core.state().tasks.values()) {
        if (task.stopped()) {
          continue;
        }
        TaskState runtime = new TaskState();
        for (ContainerStatus c : listed) {
          if (task.taskArn.equals(c.labels().get(LABEL_TASK))) {
            runtime.containerIds.put(c.labels().get(LABEL_CONTAINER), c.id());
            if ("true".equals(c.labels().get(AwsVpc.LABEL_NETWORK_OWNER))) {
              runtime.networkOwner = c.id();
            }
          }
        }
        runtimes.put(task.taskArn, runtime);
        if ("RUNNING".equals(task.lastStatus) && "RUNNING".equals(task.desiredStatus)) {
          ObjectNode def = core.taskDefinition(task.taskDefinitionArn);
          for (JsonNode d : def.get("containerDefinitions")) {
            String name = d.get("name").asText();
            if (runtime.containerIds.containsKey(name)) {
              core.awsLogs().follow(task, d, runtime.containerIds.get(name));
            }
            if (d.has("healthCheck")
                && !d.get("healthCheck").get("command").get(0).asText().equals("NONE")
                && runtime.containerIds.containsKey(name)) {
              Health health = new Health(d.get("healthCheck"));
              Model.Container c = container(task, name);
              health.status = c.healthStatus == null ? "UNKNOWN" : c.healthStatus;
              health.startedAt = Model.now() - health.interval;
              runtime.health.put(name, health);
              healthChecks.schedule(task, name, health, runtime);
            }
          }
        } else if ("RUNNING".equals(task.desiredStatus)) {
          stop(
              task,
              "Task stopped: local-ecs restarted while the task was starting",
              "TaskFailedToStart");
        } else {
          runtime.recovered = true;
          stop(task, null, null);
        }
      }
    }
  }

  /**
   * Asks a task to stop (caller holds the lock): desiredStatus STOPPED at once, the containers
   * stopped on a worker. The first reason given is the one kept.
   */
  void stop(Model.Task task, String reason, String stopCode) {
    stopper.stop(task, reason, stopCode);
  }

  /** Stops every live task (used when local-ecs is asked to remove its tasks on close). */
  void stopAll(Duration timeout) {
    stopper.stopAll(timeout);
  }

  /** Lets the tasks being stopped finish stopping before local-ecs goes down (see TaskStopper). */
  void finishStopping(Duration margin) {
    stopper.finishStopping(margin);
  }

  void close() {
    probes.shutdownNow();
    workers.shutdownNow();
  }

  void setContainerReason(Model.Task task, String name, String reason) {
    synchronized (core) {
      Model.Container c = container(task, name);
      if (c != null) {
        c.reason = reason;
      }
    }
  }

  static Model.Container container(Model.Task task, String name) {
    for (Model.Container c : task.containers) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    return null;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
