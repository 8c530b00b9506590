package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.localecs.ContainerEngine.ContainerSpec;
import io.gantry.localecs.ContainerEngine.ContainerStatus;
import io.gantry.localecs.ContainerEngine.EngineException;
import io.gantry.localecs.ContainerEngine.PortMapping;
import io.gantry.localecs.ContainerEngine.RegistryCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 */
final class TaskRunner {

  private static final Logger LOG = Logger.getLogger(TaskRunner.class.getName());

  static final String LABEL_INSTANCE = "io.gantry.local-ecs.instance";
  static final String LABEL_TASK = "io.gantry.local-ecs.task";
  static final String LABEL_CONTAINER = "io.gantry.local-ecs.container";

  private final LocalEcsCore core;
  private final ContainerEngine engine;
  private final ExecutorService workers;
  private final ScheduledExecutorService probes;
  private final Map<String, TaskState> runtimes = new ConcurrentHashMap<>();

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
    workers.execute(() -> launchNow(task, taskDefinition, runtime));
  }

  private void launchNow(Model.Task task, ObjectNode taskDefinition, TaskState runtime) {
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
            setContainerReason(task, def.get("name").asText(), failure);
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
        stop(task, reason, reason == null ? null : "TaskFailedToStart");
      }
    }
  }

  private void ensureImage(String image) {
    ImageName name = ImageName.parse(image);
    if (name.isLocalOnly()) {
      if (!engine.imageExists(image)) {
        throw new EngineException(
            "image " + image + " is not in the engine's local storage (localhost/ images are"
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
        sleep(100);
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
        setContainerReason(task, name, logFailure);
        return logFailure;
      }
      try {
        boolean vpc = AwsVpc.enabled(taskDefinition);
        if (vpc && runtime.networkOwner == null) {
          engine.createNetwork(AwsVpc.network(task), AwsVpc.labels(core.instanceId(), task));
        }
        ContainerSpec spec = spec(task, taskDefinition, next, runtime.secrets.get(name));
        if (vpc) {
          spec = vpcSpec(spec, task, taskDefinition, runtime.networkOwner);
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
        setContainerReason(task, name, reason);
        return reason;
      }
      synchronized (core) {
        Model.Container container = container(task, name);
        container.runtimeId = runtime.containerIds.get(name);
        container.lastStatus = "RUNNING";
        if (next.has("healthCheck")
            && !next.get("healthCheck").get("command").get(0).asText().equals("NONE")) {
          Health health = new Health(next.get("healthCheck"));
          health.startedAt = Model.now();
          runtime.health.put(name, health);
          container.healthStatus = "UNKNOWN";
          schedule(task, name, health, runtime);
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
          if (status != null && !status.running() && !Integer.valueOf(0).equals(status.exitCode())) {
            return "DependencyError: container '" + other + "' exited with " + status.exitCode();
          }
        }
      }
    }
    return null;
  }

  private ContainerSpec spec(
      Model.Task task, ObjectNode taskDefinition, JsonNode def, Map<String, String> secrets) {
    String name = def.get("name").asText();
    JsonNode override = null;
    if (task.overrides != null && task.overrides.has("containerOverrides")) {
      for (JsonNode o : task.overrides.get("containerOverrides")) {
        if (name.equals(o.path("name").asText())) {
          override = o;
        }
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    def.path("environment").forEach(e -> env.put(e.get("name").asText(), e.path("value").asText()));
    if (override != null) {
      override
          .path("environment")
          .forEach(e -> env.put(e.get("name").asText(), e.path("value").asText()));
    }
    if (secrets != null) {
      env.putAll(secrets);
    }
    List<String> environment = new ArrayList<>();
    env.forEach((k, v) -> environment.add(k + "=" + v));
    List<String> command = strings(def.get("command"));
    if (override != null && override.has("command")) {
      command = strings(override.get("command"));
    }
    boolean bridge =
        !taskDefinition.has("networkMode")
            || taskDefinition.get("networkMode").asText().equals("bridge");
    List<PortMapping> ports = new ArrayList<>();
    for (JsonNode p : def.path("portMappings")) {
      int hostPort = bridge ? p.path("hostPort").asInt(0) : 0;
      ports.add(new PortMapping(p.get("containerPort").asInt(), hostPort, p.path("protocol").asText("tcp")));
    }
    Integer memory = TaskDefinitions.amount(def, "memory", name, false);
    Integer reservation = TaskDefinitions.amount(def, "memoryReservation", name, false);
    Integer cpu = TaskDefinitions.amount(def, "cpu", name, true);
    int stopTimeout =
        def.has("stopTimeout")
            ? def.get("stopTimeout").asInt()
            : (int) core.options().defaultStopTimeout().toSeconds();
    Map<String, String> labels = new LinkedHashMap<>();
    def.path("dockerLabels").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
    labels.put(LABEL_INSTANCE, core.instanceId());
    labels.put(LABEL_TASK, task.taskArn);
    labels.put(LABEL_CONTAINER, name);
    String family = taskDefinition.get("family").asText();
    int revision = taskDefinition.get("revision").asInt();
    return new ContainerSpec(
        "ecs-" + family + "-" + revision + "-" + name + "-" + task.id(),
        def.get("image").asText(),
        strings(def.get("entryPoint")),
        command,
        environment,
        text(def, "workingDirectory"),
        text(def, "user"),
        ports,
        memory == null ? null : memory * 1024L * 1024L,
        reservation == null ? null : reservation * 1024L * 1024L,
        cpu == null || cpu == 0 ? null : cpu,
        stopTimeout,
        labels,
        def.has("healthCheck")
                && !def.get("healthCheck").get("command").get(0).asText().equals("NONE")
            ? Health.spec(def.get("healthCheck"))
            : null,
        null);
  }

  /** The holder of an awsvpc task's namespace publishes every port; the others join it. */
  private static ContainerSpec vpcSpec(
      ContainerSpec spec, Model.Task task, JsonNode taskDefinition, String owner) {
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    if (owner == null) {
      labels.put(AwsVpc.LABEL_NETWORK_OWNER, "true");
    }
    return new ContainerSpec(spec.name(), spec.image(), spec.entryPoint(), spec.command(),
        spec.environment(), spec.workingDirectory(), spec.user(),
        owner == null ? AwsVpc.allPorts(taskDefinition) : List.of(),
        spec.memoryBytes(), spec.memoryReservationBytes(), spec.cpuShares(),
        spec.stopTimeoutSeconds(), labels, spec.healthCheck(),
        owner == null ? AwsVpc.network(task) : "container:" + owner);
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

  private void schedule(Model.Task task, String container, Health health, TaskState runtime) {
    long interval = (long) (health.interval * 1000);
    long fast = core.options().healthStartInterval().toMillis();
    ScheduledFuture<?>[] holder = new ScheduledFuture<?>[1];
    Runnable probe =
        new Runnable() {
          @Override
          public void run() {
            if (runtime.stopping || !runtimes.containsKey(task.taskArn)) {
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
                    probes.schedule(() -> workers.execute(this), delay, TimeUnit.MILLISECONDS));
              }
            } catch (java.util.concurrent.RejectedExecutionException e) {
              // shutting down
            }
          }
        };
    holder[0] = probes.schedule(() -> workers.execute(probe), 0, TimeUnit.MILLISECONDS);
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
    Model.Container c = container(task, container);
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
      Model.Container c = container(task, d.get("name").asText());
      if (c == null || c.healthStatus == null) {
        continue;
      }
      anyCheck = true;
      allHealthy &= c.healthStatus.equals("HEALTHY");
      unhealthy |= d.get("essential").asBoolean() && c.healthStatus.equals("UNHEALTHY");
    }
    String status = !anyCheck ? "UNKNOWN" : unhealthy ? "UNHEALTHY" : allHealthy ? "HEALTHY" : "UNKNOWN";
    if (!status.equals(task.healthStatus)) {
      task.healthStatus = status;
      task.version++;
      core.wake();
    }
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
    TaskState runtime = runtimes.computeIfAbsent(task.taskArn, k -> new TaskState());
    if (runtime.launching || runtime.stopping) {
      return;
    }
    runtime.stopping = true;
    if (!"PROVISIONING".equals(task.lastStatus) && !"PENDING".equals(task.lastStatus)) {
      task.lastStatus = "STOPPING";
    }
    Duration drain = core.drainDelay(task);
    workers.execute(() -> stopNow(task, runtime, drain));
  }

  private void stopNow(Model.Task task, TaskState runtime, Duration drain) {
    if (!drain.isZero()) {
      synchronized (core) {
        task.lastStatus = "DEACTIVATING";
      }
      long deadline = System.nanoTime() + drain.toNanos();
      LoadBalancers lb = core.loadBalancers();
      while (System.nanoTime() < deadline && lb != null && lb.inFlight(task)) {
        sleep(20);
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
          workers.submit(
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
      runtimes.remove(task.taskArn);
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
   * recorded; a task whose essential container exited is stopped; containers of this instance
   * that belong to no live task are removed.
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
              schedule(task, name, health, runtime);
            }
          }
        } else if ("RUNNING".equals(task.desiredStatus)) {
          stop(task, "Task stopped: local-ecs restarted while the task was starting", "TaskFailedToStart");
        } else {
          runtime.recovered = true;
          stop(task, null, null);
        }
      }
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
    while (!runtimes.isEmpty() && System.nanoTime() < deadline) {
      sleep(50);
    }
  }

  /**
   * Lets the tasks being stopped finish stopping before local-ecs goes down: their containers got
   * SIGTERM and the engine sends SIGKILL after the stop timeout, but only while it runs (when
   * Podman's service stops first, a container whose PID 1 ignores SIGTERM stays "stopping" with
   * its processes for good). Waits up to the longest stop timeout plus the margin; containers
   * still there then are killed.
   */
  void finishStopping(Duration margin) {
    long longest = core.options().defaultStopTimeout().toSeconds();
    synchronized (core) {
      for (Map.Entry<String, TaskState> e : runtimes.entrySet()) {
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
      for (TaskState r : runtimes.values()) {
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
      if (runtimes.values().stream().noneMatch(r -> r.stopping)) {
        return true;
      }
      sleep(50);
    }
    return false;
  }

  void close() {
    probes.shutdownNow();
    workers.shutdownNow();
  }

  private void setContainerReason(Model.Task task, String name, String reason) {
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

  private static List<String> strings(JsonNode array) {
    if (array == null || !array.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    array.forEach(a -> out.add(a.asText()));
    return out;
  }

  private static String text(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull() ? node.get(field).asText() : null;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
