package io.gantry.localecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.RegistryCredentials;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The state and the loop that drives it. The core object is the lock: API calls, the task runner
 * and the scheduler change the model only while holding it. Every tick of the loop (see {@link
 * LocalEcs.Options#tickInterval()}) watches the containers, reconciles every service and persists
 * the state when it changed.
 */
final class LocalEcsCore implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(LocalEcsCore.class.getName());
  private static final int MAX_EVENTS = 100;
  private static final int MAX_STOPPED_TASKS = 200;

  private final LocalEcs.Options options;
  private final ObjectMapper mapper;
  private final StateStore store;
  private final Model.State state;
  private final Arns arns;
  private final String instanceId;
  private final TaskRunner runner;
  private final LogGroups logGroups = new LogGroups();
  private final LocalSecrets secrets = new LocalSecrets();
  private final AwsLogs awsLogs;
  private final ServiceScheduler scheduler;
  private final AutoScaler autoScaler;
  private final ScheduledExecutorService loop;
  private volatile RegistryCredentials registryCredentials;
  private volatile LoadBalancers loadBalancers;
  private String lastSaved = "";
  private final java.util.concurrent.atomic.AtomicBoolean wakePending =
      new java.util.concurrent.atomic.AtomicBoolean();

  LocalEcsCore(
      LocalEcs.Options options, ObjectMapper mapper, ContainerEngine engine, String instanceId) {
    this.options = options;
    this.mapper = mapper;
    this.store = new StateStore(options.dataDir(), mapper);
    this.state = store.load();
    this.arns = new Arns(options.region());
    this.instanceId = instanceId;
    this.awsLogs = new AwsLogs(logGroups, engine);
    this.runner = new TaskRunner(this, engine);
    this.scheduler = new ServiceScheduler(this);
    this.autoScaler = new AutoScaler(this, engine);
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "local-ecs-loop");
              t.setDaemon(true);
              return t;
            });
    synchronized (this) {
      if (!state.clusters.containsKey("default")) {
        Model.Cluster cluster = new Model.Cluster();
        cluster.clusterName = "default";
        cluster.clusterArn = arns.cluster("default");
        state.clusters.put("default", cluster);
      }
      addInstances(state.clusters.get("default"), options.instances());
    }
  }

  /** Registers container instances until the cluster has {@code wanted.count()} ACTIVE ones. */
  private void addInstances(Model.Cluster cluster, LocalEcs.Options.Instances wanted) {
    long active =
        cluster.containerInstances.values().stream().filter(i -> i.status.equals("ACTIVE")).count();
    ContainerInstanceActions actions = new ContainerInstanceActions(this);
    for (long n = active; n < wanted.count(); n++) {
      ObjectNode request = mapper.createObjectNode();
      var resources = request.putArray("totalResources");
      resources
          .addObject()
          .put("name", "CPU")
          .put("type", "INTEGER")
          .put("integerValue", wanted.cpu());
      resources
          .addObject()
          .put("name", "MEMORY")
          .put("type", "INTEGER")
          .put("integerValue", wanted.memory());
      request
          .putArray("attributes")
          .addObject()
          .put("name", "ecs.availability-zone")
          .put("value", options.region() + (char) ('a' + n % 3));
      actions.register(cluster, request);
    }
  }

  /** Finds the running tasks again and starts the loop. */
  void start() {
    runner.recover();
    autoScaler.start();
    long tick = options.tickInterval().toMillis();
    var unused = loop.scheduleWithFixedDelay(() -> tick(true), 0, tick, TimeUnit.MILLISECONDS);
  }

  /**
   * Reconciles at once instead of at the next tick: called when something the scheduler waits for
   * has happened (a task running, healthy or stopped; an API change). Coalesced.
   */
  void wake() {
    if (wakePending.compareAndSet(false, true)) {
      try {
        loop.execute(
            () -> {
              wakePending.set(false);
              tick(false);
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  private void tick(boolean watch) {
    try {
      if (watch) {
        runner.watch();
      }
      if (loadBalancers != null) {
        loadBalancers.refresh();
      }
      synchronized (this) {
        for (Model.Cluster cluster : state.clusters.values()) {
          for (Iterator<Model.Service> it = cluster.services.values().iterator(); it.hasNext(); ) {
            Model.Service service = it.next();
            scheduler.reconcile(cluster, service);
            if (service.status.equals("DRAINING")
                && serviceTasks(cluster, service, false).isEmpty()) {
              service.status = "INACTIVE";
            }
          }
          updateClusterCounts(cluster);
        }
        pruneStoppedTasks();
        save();
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "local-ecs loop", e);
    }
  }

  void updateClusterCounts(Model.Cluster cluster) {
    int running = 0;
    int pending = 0;
    for (Model.Task t : state.tasks.values()) {
      if (!cluster.clusterArn.equals(t.clusterArn)) {
        continue;
      }
      if ("RUNNING".equals(t.lastStatus)) {
        running++;
      } else if ("PENDING".equals(t.lastStatus) || "PROVISIONING".equals(t.lastStatus)) {
        pending++;
      }
    }
    int services = 0;
    for (Model.Service s : cluster.services.values()) {
      if (s.status.equals("ACTIVE")) {
        services++;
      }
    }
    cluster.runningTasksCount = running;
    cluster.pendingTasksCount = pending;
    cluster.activeServicesCount = services;
  }

  private void pruneStoppedTasks() {
    List<Model.Task> stopped = new ArrayList<>();
    for (Model.Task t : state.tasks.values()) {
      if (t.stopped()) {
        stopped.add(t);
      }
    }
    if (stopped.size() <= MAX_STOPPED_TASKS) {
      return;
    }
    stopped.sort(
        (a, b) ->
            Double.compare(
                a.stoppedAt == null ? 0 : a.stoppedAt, b.stoppedAt == null ? 0 : b.stoppedAt));
    for (int i = 0; i < stopped.size() - MAX_STOPPED_TASKS; i++) {
      state.tasks.remove(stopped.get(i).taskArn);
    }
  }

  /** Writes the state when it differs from what was last written (caller holds the lock). */
  void save() {
    try {
      String json = mapper.writeValueAsString(state);
      if (!json.equals(lastSaved)) {
        store.save(state);
        lastSaved = json;
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- helpers for the runner, the scheduler and the API (caller holds the lock) ---

  LocalEcs.Options options() {
    return options;
  }

  Model.State state() {
    return state;
  }

  Arns arns() {
    return arns;
  }

  ObjectMapper mapper() {
    return mapper;
  }

  TaskRunner runner() {
    return runner;
  }

  /** CloudWatch Logs' groups (thread-safe on their own: no core lock needed). */
  LogGroups logGroups() {
    return logGroups;
  }

  /** Secrets Manager's and Parameter Store's values (thread-safe on their own). */
  LocalSecrets secrets() {
    return secrets;
  }

  AwsLogs awsLogs() {
    return awsLogs;
  }

  String instanceId() {
    return instanceId;
  }

  Path logFile(String taskId, String container) {
    return options.dataDir().resolve("logs").resolve(taskId).resolve(container + ".log");
  }

  void registryCredentials(RegistryCredentials credentials) {
    this.registryCredentials = credentials;
  }

  RegistryCredentials credentialsFor(String registry) {
    RegistryCredentials local = registryCredentials;
    if (local != null && registry != null && registry.equals(local.registry())) {
      return local;
    }
    return null;
  }

  void loadBalancers(LoadBalancers balancers) {
    this.loadBalancers = balancers;
  }

  LoadBalancers loadBalancers() {
    return loadBalancers;
  }

  /**
   * A target group by ARN or name (lock held). A target group ARN never created through the ELBv2
   * API is created on first use, with ALB's defaults except a 5 s interval, a healthy threshold of
   * 2 and a 10 s deregistration delay, so a service can name one directly.
   */
  Model.TargetGroup targetGroup(String ref) {
    if (ref == null || ref.isEmpty()) {
      return null;
    }
    Model.TargetGroup group = state.targetGroups.get(ref);
    if (group != null) {
      return group;
    }
    for (Model.TargetGroup g : state.targetGroups.values()) {
      if (g.targetGroupName.equals(ref)) {
        return g;
      }
    }
    return null;
  }

  Model.TargetGroup targetGroupOrCreate(String ref) {
    Model.TargetGroup group = targetGroup(ref);
    if (group != null) {
      return group;
    }
    String[] parts = ref.split("[:/]");
    boolean arn = ref.startsWith("arn:");
    if (arn && (!ref.contains(":targetgroup/") || parts.length < 2)) {
      return null;
    }
    group = new Model.TargetGroup();
    group.targetGroupName =
        arn ? ref.substring(ref.indexOf(":targetgroup/") + 13).split("/")[0] : ref;
    group.targetGroupArn = arn ? ref : arns.targetGroup(ref);
    group.healthCheckIntervalSeconds = 5;
    group.healthyThresholdCount = 2;
    group.deregistrationDelaySeconds = 10;
    group.createdAt = Model.now();
    state.targetGroups.put(group.targetGroupArn, group);
    return group;
  }

  /** How long a stopping task is kept out of its target groups before its containers stop. */
  Duration drainDelay(Model.Task task) {
    LoadBalancers lb = loadBalancers;
    return lb == null ? Duration.ZERO : lb.deregister(task);
  }

  /** The task definition by ARN or family:revision (null when unknown). */
  ObjectNode taskDefinition(String ref) {
    String familyRevision = ref.substring(ref.lastIndexOf('/') + 1);
    int colon = familyRevision.lastIndexOf(':');
    List<ObjectNode> revisions = state.taskDefinitions.get(familyRevision.substring(0, colon));
    int revision = Integer.parseInt(familyRevision.substring(colon + 1));
    return revisions == null || revision > revisions.size() ? null : revisions.get(revision - 1);
  }

  /** The service's tasks; with {@code includeStopped} false only those not yet STOPPED. */
  List<Model.Task> serviceTasks(
      Model.Cluster cluster, Model.Service service, boolean includeStopped) {
    List<Model.Task> out = new ArrayList<>();
    String group = "service:" + service.serviceName;
    for (Model.Task t : state.tasks.values()) {
      if (cluster.clusterArn.equals(t.clusterArn)
          && group.equals(t.group)
          && (includeStopped || !t.stopped())) {
        out.add(t);
      }
    }
    return out;
  }

  /** RUNNING, not asked to stop, healthy by its health checks and its target groups. */
  boolean isHealthy(Model.Service service, Model.Task task) {
    if (!"RUNNING".equals(task.lastStatus) || !"RUNNING".equals(task.desiredStatus)) {
      return false;
    }
    ObjectNode def = taskDefinition(task.taskDefinitionArn);
    boolean hasCheck = false;
    for (JsonNode d : def.get("containerDefinitions")) {
      if (d.has("healthCheck")
          && !d.get("healthCheck").get("command").get(0).asText().equals("NONE")) {
        hasCheck = true;
      }
    }
    if (hasCheck && !"HEALTHY".equals(task.healthStatus)) {
      return false;
    }
    LoadBalancers lb = loadBalancers;
    return lb == null || lb.isHealthy(service, task);
  }

  /** Why a running task must be replaced (a failed health check), or null. */
  String healthFailure(Model.Service service, Model.Task task) {
    if ("UNHEALTHY".equals(task.healthStatus)) {
      return "Task failed container health checks";
    }
    LoadBalancers lb = loadBalancers;
    return lb == null ? null : lb.failure(service, task);
  }

  void launch(Model.Task task) {
    state.tasks.put(task.taskArn, task);
    runner.launch(task, taskDefinition(task.taskDefinitionArn));
  }

  /** A task has reached STOPPED: its deployment counts a failure if it failed (lock held). */
  void taskStopped(Model.Task task) {
    if (task.group == null || !task.group.startsWith("service:")) {
      return;
    }
    boolean failed =
        "TaskFailedToStart".equals(task.stopCode)
            || "EssentialContainerExited".equals(task.stopCode)
            || (task.stoppedReason != null && task.stoppedReason.startsWith("Task failed"));
    if (!failed) {
      return;
    }
    for (Model.Cluster cluster : state.clusters.values()) {
      if (!cluster.clusterArn.equals(task.clusterArn)) {
        continue;
      }
      Model.Service service = cluster.services.get(task.group.substring("service:".length()));
      if (service == null) {
        return;
      }
      service.lastLaunchFailure = Model.now();
      for (Model.Deployment d : service.deployments) {
        if (d.id.equals(task.startedBy)) {
          d.failedTasks++;
          d.updatedAt = Model.now();
        }
      }
    }
  }

  /** Adds a service event (newest first, as ECS lists them). */
  void event(Model.Service service, String message) {
    Model.Event event = new Model.Event();
    event.id = Arns.uuid();
    event.createdAt = Model.now();
    event.message = message;
    service.events.add(0, event);
    while (service.events.size() > MAX_EVENTS) {
      service.events.remove(service.events.size() - 1);
    }
  }

  /** The core's view of a cluster by name or ARN; throws ClusterNotFoundException. */
  Model.Cluster cluster(String nameOrArn) {
    Model.Cluster cluster = state.clusters.get(Arns.clusterName(nameOrArn));
    if (cluster == null || !cluster.status.equals("ACTIVE")) {
      throw AwsError.clusterNotFound();
    }
    return cluster;
  }

  Map<String, Model.Cluster> clusters() {
    return state.clusters;
  }

  /** A task's output (see {@link LocalEcs#logs}). */
  String logs(String task) {
    Model.Task found = null;
    List<String> names = new ArrayList<>();
    synchronized (this) {
      String id = Arns.lastPart(task);
      for (Model.Task t : state.tasks.values()) {
        if (t.id().equals(id)) {
          found = t;
          t.containers.forEach(c -> names.add(c.name));
        }
      }
    }
    if (found == null) {
      throw new IllegalArgumentException(
          "no task '" + task + "' in " + options.dataDir() + "; list them with ListTasks");
    }
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      if (names.size() > 1) {
        out.append("==> ").append(name).append(" <==\n");
      }
      out.append(runner.logs(found, name));
    }
    return out.toString();
  }

  @Override
  public void close() {
    autoScaler.close();
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (options.stopTasksOnClose()) {
      runner.stopAll(Duration.ofSeconds(60));
    }
    runner.finishStopping(Duration.ofSeconds(5));
    synchronized (this) {
      save();
    }
    runner.close();
    awsLogs.close();
  }
}
