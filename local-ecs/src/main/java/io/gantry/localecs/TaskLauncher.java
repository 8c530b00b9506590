package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerSpec;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.engine.ContainerEngine.RegistryCredentials;
import io.gantry.engine.DockerEngine;
import io.gantry.engine.ImageName;
import io.gantry.localecs.HealthChecks.Health;
import io.gantry.localecs.TaskRunner.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Launches a task on a worker: secrets resolved, images pulled, containers created and started in
 * dependsOn order (health checks scheduled as they start), then the task published as RUNNING with
 * its network bindings. A failure stops the task with ECS's reason.
 */
final class TaskLauncher {

  private static final Logger LOG = Logger.getLogger(TaskLauncher.class.getName());

  private final TaskRunner runner;
  private final LocalEcsCore core;
  private final ContainerEngine engine;

  TaskLauncher(TaskRunner runner) {
    this.runner = runner;
    this.core = runner.core;
    this.engine = runner.engine;
  }

  void launchNow(Model.Task task, ObjectNode taskDefinition, TaskState runtime) {
    String failure = null;
    try {
      synchronized (core) {
        if ("STOPPED".equals(task.desiredStatus)) {
          failure = "";
        } else {
          task.lastStatus = "PENDING";
          task.pullStartedAt = Model.now();
          task.version++;
        }
      }
      List<JsonNode> defs = new ArrayList<>();
      taskDefinition.get("containerDefinitions").forEach(defs::add);
      if (failure == null) {
        // As ECS: secrets are fetched before any image is pulled.
        try {
          for (JsonNode def : defs) {
            runtime.secrets.put(def.get("name").asText(), core.secrets().resolve(def));
          }
        } catch (IllegalStateException e) {
          failure = e.getMessage();
        }
      }
      if (failure == null) {
        for (JsonNode def : defs) {
          String image = def.get("image").asText();
          try {
            ensureImage(image);
          } catch (EngineException e) {
            failure = "CannotPullContainerError: " + e.getMessage();
            runner.setContainerReason(task, def.get("name").asText(), failure);
            break;
          }
        }
      }
      synchronized (core) {
        task.pullStoppedAt = Model.now();
      }
      if (failure == null) {
        failure = startContainers(task, taskDefinition, defs, runtime);
      }
      if (failure == null) {
        publishRunning(task, runtime);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "launch of " + task.taskArn + " failed", e);
      failure = "CannotStartContainerError: " + DockerEngine.msg(e);
    } finally {
      runtime.secrets.clear();
      runtime.launching = false;
    }
    synchronized (core) {
      if (failure != null || "STOPPED".equals(task.desiredStatus)) {
        String reason = failure == null || failure.isEmpty() ? null : failure;
        runner.stop(task, reason, reason == null ? null : "TaskFailedToStart");
      }
    }
  }

  private void ensureImage(String image) {
    ImageName name = ImageName.parse(image);
    if (name.isLocalOnly()) {
      if (!engine.imageExists(image)) {
        throw new EngineException(
            "image "
                + image
                + " is not in the engine's local storage (localhost/ images are"
                + " never pulled)",
            null);
      }
      return;
    }
    RegistryCredentials credentials = core.credentialsFor(name.registry());
    try {
      engine.pull(image, credentials);
    } catch (EngineException e) {
      throw new EngineException("pull image " + image + ": " + e.getMessage(), e);
    }
  }

  /** Creates and starts the containers in dependsOn order; returns a failure reason or null. */
  private String startContainers(
      Model.Task task, ObjectNode taskDefinition, List<JsonNode> defs, TaskState runtime) {
    List<JsonNode> remaining = new ArrayList<>(defs);
    while (!remaining.isEmpty()) {
      JsonNode next = null;
      for (JsonNode def : remaining) {
        if (dependenciesMet(def, runtime)) {
          next = def;
          break;
        }
      }
      if (next == null) {
        String failed = dependencyFailure(remaining, runtime);
        if (failed != null) {
          return failed;
        }
        synchronized (core) {
          if ("STOPPED".equals(task.desiredStatus)) {
            return null;
          }
        }
        TaskRunner.sleep(100);
        continue;
      }
      synchronized (core) {
        if ("STOPPED".equals(task.desiredStatus)) {
          return null;
        }
      }
      String name = next.get("name").asText();
      String logFailure = core.awsLogs().prepare(next);
      if (logFailure != null) {
        runner.setContainerReason(task, name, logFailure);
        return logFailure;
      }
      try {
        boolean vpc = AwsVpc.enabled(taskDefinition);
        if (vpc && runtime.networkOwner == null) {
          engine.createNetwork(AwsVpc.network(task), AwsVpc.labels(core.instanceId(), task));
        }
        ContainerSpec spec =
            ContainerSpecs.spec(core, task, taskDefinition, next, runtime.secrets.get(name));
        if (vpc) {
          spec = ContainerSpecs.vpcSpec(spec, task, taskDefinition, runtime.networkOwner);
        }
        String id = engine.create(spec);
        if (vpc && runtime.networkOwner == null) {
          runtime.networkOwner = id;
        }
        runtime.containerIds.put(name, id);
        engine.start(id);
        core.awsLogs().follow(task, next, id);
      } catch (EngineException e) {
        String reason = "CannotStartContainerError: " + e.getMessage();
        runner.setContainerReason(task, name, reason);
        return reason;
      }
      synchronized (core) {
        Model.Container container = TaskRunner.container(task, name);
        container.runtimeId = runtime.containerIds.get(name);
        container.lastStatus = "RUNNING";
        if (next.has("healthCheck")
            && !next.get("healthCheck").get("command").get(0).asText().equals("NONE")) {
          Health health = new Health(next.get("healthCheck"));
          health.startedAt = Model.now();
          runtime.health.put(name, health);
          container.healthStatus = "UNKNOWN";
          runner.health().schedule(task, name, health, runtime);
        }
      }
      remaining.remove(next);
    }
    return null;
  }

  private boolean dependenciesMet(JsonNode def, TaskState runtime) {
    JsonNode dependsOn = def.get("dependsOn");
    if (dependsOn == null) {
      return true;
    }
    for (JsonNode dep : dependsOn) {
      String other = dep.get("containerName").asText();
      String id = runtime.containerIds.get(other);
      if (id == null) {
        return false;
      }
      String condition = dep.get("condition").asText();
      if (condition.equals("START")) {
        continue;
      }
      if (condition.equals("HEALTHY")) {
        synchronized (core) {
          Health h = runtime.health.get(other);
          if (h == null || !h.status.equals("HEALTHY")) {
            return false;
          }
        }
        continue;
      }
      ContainerStatus status = engine.inspect(id);
      if (status == null || status.running()) {
        return false;
      }
      if (condition.equals("SUCCESS") && !Integer.valueOf(0).equals(status.exitCode())) {
        return false;
      }
    }
    return true;
  }

  private String dependencyFailure(List<JsonNode> remaining, TaskState runtime) {
    for (JsonNode def : remaining) {
      JsonNode dependsOn = def.get("dependsOn");
      if (dependsOn == null) {
        continue;
      }
      for (JsonNode dep : dependsOn) {
        String other = dep.get("containerName").asText();
        String id = runtime.containerIds.get(other);
        if (id == null) {
          continue;
        }
        String condition = dep.get("condition").asText();
        if (condition.equals("HEALTHY")) {
          synchronized (core) {
            Health h = runtime.health.get(other);
            if (h == null) {
              return "DependencyError: container '" + other + "' has no health check";
            }
            if (h.status.equals("UNHEALTHY")) {
              return "DependencyError: container '" + other + "' is unhealthy";
            }
          }
        } else if (condition.equals("SUCCESS")) {
          ContainerStatus status = engine.inspect(id);
          if (status != null
              && !status.running()
              && !Integer.valueOf(0).equals(status.exitCode())) {
            return "DependencyError: container '" + other + "' exited with " + status.exitCode();
          }
        }
      }
    }
    return null;
  }

  private void publishRunning(Model.Task task, TaskState runtime) {
    Map<String, ContainerStatus> statuses = new HashMap<>();
    runtime.containerIds.forEach((name, id) -> statuses.put(name, engine.inspect(id)));
    synchronized (core) {
      for (Model.Container c : task.containers) {
        ContainerStatus s = statuses.get(c.name);
        if (s == null) {
          continue;
        }
        c.runtimeId = s.id();
        c.networkBindings = new ArrayList<>();
        for (Map.Entry<String, Integer> port : s.hostPorts().entrySet()) {
          Model.NetworkBinding b = new Model.NetworkBinding();
          String[] parts = port.getKey().split("/");
          b.containerPort = Integer.parseInt(parts[0]);
          b.protocol = parts.length > 1 ? parts[1] : "tcp";
          b.hostPort = port.getValue();
          c.networkBindings.add(b);
        }
      }
      if (runtime.networkOwner != null) {
        ContainerStatus holder = null;
        for (ContainerStatus st : statuses.values()) {
          if (st != null && st.id().equals(runtime.networkOwner)) {
            holder = st;
          }
        }
        AwsVpc.attach(task, core.taskDefinition(task.taskDefinitionArn), holder, core.mapper());
      }
      if (!"STOPPED".equals(task.desiredStatus)) {
        double now = Model.now();
        task.lastStatus = "RUNNING";
        task.startedAt = now;
        task.connectivity = "CONNECTED";
        task.connectivityAt = now;
        task.version++;
      }
    }
    core.wake();
  }
}
