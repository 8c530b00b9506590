package io.gantry.runner.deploy;

import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.CreateServiceRequest;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.ServiceEvent;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.UpdateServiceRequest;

/**
 * Rolls a service out to a task definition and watches it until ECS says how it ended: new service
 * events and the stop reasons and exit codes of failed tasks go to the log as they happen, polled
 * with a back-off starting at 1 s. Success is the deployment Gantry made being PRIMARY with
 * rolloutState COMPLETED and the task definition asked for; a FAILED rollout (ECS's circuit
 * breaker) is reported with where ECS rolled back to. A rollout that did not complete says why in
 * the same line ({@link RolloutCause}: a secret or image that could not be had, a task that could
 * not be placed, failed health checks, the desired count changed under it). A stopped task of the
 * new task definition has its containers' last CloudWatch log lines printed under its stop reason
 * ({@link TaskLogTails}).
 */
final class EcsRollout {

  /** How a rollout ended. */
  enum Ending {
    COMPLETED,
    /** Not waited for (wait-for-service-stability: false). */
    NOT_WAITED,
    /** The deployment failed and ECS made an earlier one PRIMARY again. */
    ROLLED_BACK_BY_ECS,
    FAILED,
    TIMED_OUT,
    CANCELLED
  }

  /**
   * @param message one line for the step log when it did not complete
   * @param primaryTaskDefinition the task definition of the service's PRIMARY deployment at the end
   */
  record Outcome(Ending ending, String message, String primaryTaskDefinition) {
    boolean completed() {
      return ending == Ending.COMPLETED || ending == Ending.NOT_WAITED;
    }
  }

  /** What UpdateService is asked besides the task definition. */
  record Update(
      Integer desiredCount,
      boolean forceNewDeployment,
      String propagateTags,
      Boolean enableEcsManagedTags) {
    static final Update PLAIN = new Update(null, false, null, null);
  }

  private static final Duration FIRST_POLL = Duration.ofSeconds(1);
  private static final Duration MAX_POLL = Duration.ofSeconds(5);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final EcsClient ecs;
  private final AwsClients.Target target;
  private final Consumer<String> log;
  private final BooleanSupplier cancelled;

  EcsRollout(
      EcsClient ecs, AwsClients.Target target, Consumer<String> log, BooleanSupplier cancelled) {
    this.ecs = ecs;
    this.target = target;
    this.log = log;
    this.cancelled = cancelled;
  }

  /** The service as ECS describes it; a one-line problem when it does not exist. */
  Service describe(String cluster, String service) throws AwsProblem {
    return find(cluster, service)
        .orElseThrow(
            () ->
                new AwsProblem(
                    "service '"
                        + service
                        + "' was not found in cluster '"
                        + cluster
                        + "' at "
                        + target.where()
                        + "; create it first (CreateService) or check the inputs 'service' and"
                        + " 'cluster'"));
  }

  /** The service as ECS describes it; empty when it is MISSING or INACTIVE. */
  Optional<Service> find(String cluster, String service) throws AwsProblem {
    List<Service> services;
    try {
      services = ecs.describeServices(r -> r.cluster(cluster).services(service)).services();
    } catch (SdkException e) {
      throw new AwsProblem(
          AwsFailures.describe("ECS DescribeServices", target, "AWS_ACCESS_KEY_ID", e));
    }
    if (services.isEmpty() || "INACTIVE".equals(services.get(0).status())) {
      return Optional.empty();
    }
    return Optional.of(services.get(0));
  }

  /**
   * Creates the service ({@code request} names its cluster, name and task definition) and, with
   * {@code wait}, watches its first deployment as {@link #rollOut} watches an update's.
   */
  Outcome create(CreateServiceRequest request, boolean wait, Duration timeout) throws AwsProblem {
    Service created;
    try {
      created = ecs.createService(request).service();
    } catch (SdkException e) {
      throw new AwsProblem(
          AwsFailures.describe("ECS CreateService", target, "AWS_ACCESS_KEY_ID", e));
    }
    Deployment primary = primary(created);
    if (primary == null) {
      primary = primary(describe(request.cluster(), request.serviceName()));
    }
    String deploymentId = primary == null ? null : primary.id();
    log.accept(
        "Created service "
            + request.serviceName()
            + " in cluster "
            + request.cluster()
            + " running "
            + request.taskDefinition()
            + (deploymentId == null ? "" : " (deployment " + deploymentId + ")"));
    if (!wait) {
      return new Outcome(Ending.NOT_WAITED, null, request.taskDefinition());
    }
    Set<String> seenEvents = new HashSet<>();
    return watch(
        request.cluster(),
        request.serviceName(),
        deploymentId,
        request.taskDefinition(),
        timeout,
        seenEvents,
        new HashSet<>());
  }

  /**
   * Points the service at {@code taskDefinition} and, with {@code wait}, watches it until it ends
   * or {@code timeout} passes.
   */
  Outcome rollOut(
      String cluster,
      String service,
      String taskDefinition,
      Update update,
      boolean wait,
      Duration timeout)
      throws AwsProblem {
    Service before = describe(cluster, service);
    Set<String> seenEvents = new HashSet<>();
    for (ServiceEvent e : before.events()) {
      seenEvents.add(e.id());
    }
    Set<String> seenStopped = new HashSet<>(stoppedTasks(cluster, service));
    UpdateServiceRequest.Builder request =
        UpdateServiceRequest.builder()
            .cluster(cluster)
            .service(service)
            .taskDefinition(taskDefinition)
            .forceNewDeployment(update.forceNewDeployment());
    if (update.desiredCount() != null) {
      request.desiredCount(update.desiredCount());
    }
    if (update.propagateTags() != null) {
      request.propagateTags(update.propagateTags());
    }
    if (update.enableEcsManagedTags() != null) {
      request.enableECSManagedTags(update.enableEcsManagedTags());
    }
    Service updated;
    try {
      updated = ecs.updateService(request.build()).service();
    } catch (SdkException e) {
      throw new AwsProblem(
          AwsFailures.describe("ECS UpdateService", target, "AWS_ACCESS_KEY_ID", e));
    }
    Deployment primary = primary(updated);
    String deploymentId = primary == null ? null : primary.id();
    log.accept(
        "Updated service "
            + service
            + " in cluster "
            + cluster
            + " to "
            + taskDefinition
            + (deploymentId == null ? "" : " (deployment " + deploymentId + ")"));
    if (!wait) {
      return new Outcome(Ending.NOT_WAITED, null, taskDefinition);
    }
    return watch(cluster, service, deploymentId, taskDefinition, timeout, seenEvents, seenStopped);
  }

  /**
   * Watches deployment {@code deploymentId} of the service until it is COMPLETED, FAILED, replaced,
   * or {@code timeout} passes.
   */
  Outcome watch(
      String cluster,
      String service,
      String deploymentId,
      String taskDefinition,
      Duration timeout,
      Set<String> seenEvents,
      Set<String> seenStopped)
      throws AwsProblem {
    log.accept(
        "Waiting up to "
            + minutes(timeout)
            + " for the service to run "
            + shortName(taskDefinition)
            + " (rolloutState COMPLETED)");
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration pause = FIRST_POLL;
    List<String> recentEvents = new ArrayList<>();
    List<String> recentStops = new ArrayList<>();
    Service current = null;
    RolloutCause cause = null;
    String failedReason = null;
    TaskLogTails tails = new TaskLogTails(ecs, target, log);
    while (true) {
      if (cancelled.getAsBoolean()) {
        return new Outcome(
            Ending.CANCELLED,
            "cancelled while waiting for the service; ECS goes on with the deployment",
            current == null ? null : primaryTaskDefinition(current));
      }
      current = describe(cluster, service);
      int desired = current.desiredCount() == null ? -1 : current.desiredCount();
      if (cause == null) {
        cause = new RolloutCause(desired);
      }
      cause.desiredCount(desired);
      List<ServiceEvent> events = new ArrayList<>(current.events());
      for (int i = events.size() - 1; i >= 0; i--) {
        ServiceEvent e = events.get(i);
        if (seenEvents.add(e.id())) {
          String failed = "(deployment " + deploymentId + ") deployment failed: ";
          int at = e.message() == null ? -1 : e.message().indexOf(failed);
          if (at >= 0) {
            // ECS may finish its rollback, and drop the failed deployment from the list, between
            // two polls: its event is then what says how the deployment ended.
            failedReason =
                "ECS deployment circuit breaker: " + e.message().substring(at + failed.length());
          }
          String line =
              (e.createdAt() == null ? "" : TIME.format(e.createdAt()) + " ") + e.message();
          log.accept("ECS: " + line);
          remember(recentEvents, line);
          cause.event(e.message());
        }
      }
      for (Task task : newStops(cluster, service, seenStopped, cause)) {
        String stop = describeStop(task);
        log.accept("ECS: " + stop);
        remember(recentStops, stop);
        if (taskDefinition.equals(task.taskDefinitionArn())) {
          tails.print(task);
        }
      }
      Deployment ours = null;
      for (Deployment d : current.deployments()) {
        if (d.id().equals(deploymentId)) {
          ours = d;
        }
      }
      Deployment primary = primary(current);
      String primaryDef = primary == null ? null : primary.taskDefinition();
      if (ours != null
          && "PRIMARY".equals(ours.status())
          && "COMPLETED".equals(ours.rolloutStateAsString())
          && taskDefinition.equals(ours.taskDefinition())) {
        log.accept(
            "Deployment "
                + deploymentId
                + " completed: the service runs "
                + shortName(taskDefinition));
        return new Outcome(Ending.COMPLETED, null, taskDefinition);
      }
      if (ours != null && "FAILED".equals(ours.rolloutStateAsString())) {
        String reason = ours.rolloutStateReason() == null ? "" : ours.rolloutStateReason();
        if (primary != null && !primary.id().equals(ours.id())) {
          return new Outcome(
              Ending.ROLLED_BACK_BY_ECS,
              cause.explain("ECS rolled back to " + primaryDef + ": " + reason),
              primaryDef);
        }
        return new Outcome(
            Ending.FAILED,
            cause.explain("ECS deployment " + deploymentId + " failed: " + reason),
            primaryDef);
      }
      if (ours == null && failedReason != null && primary != null) {
        return new Outcome(
            Ending.ROLLED_BACK_BY_ECS,
            cause.explain("ECS rolled back to " + primaryDef + ": " + failedReason),
            primaryDef);
      }
      if (ours == null && primary != null && !primary.id().equals(deploymentId)) {
        return new Outcome(
            Ending.FAILED,
            "the deployment was replaced by deployment "
                + primary.id()
                + " of "
                + primaryDef
                + " (another update of the service)",
            primaryDef);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new Outcome(
            Ending.TIMED_OUT,
            cause.explain(
                    "the service did not reach a completed rollout of "
                        + shortName(taskDefinition)
                        + " within "
                        + minutes(timeout))
                + "; "
                + taskStates(cluster, service)
                + (recentEvents.isEmpty()
                    ? ""
                    : "; last events: " + String.join(" | ", recentEvents))
                + (recentStops.isEmpty() ? "" : "; stopped: " + String.join(" | ", recentStops)),
            primaryDef);
      }
      sleep(Math.min(pause.toNanos(), left));
      pause = pause.multipliedBy(3).dividedBy(2);
      if (pause.compareTo(MAX_POLL) > 0) {
        pause = MAX_POLL;
      }
    }
  }

  /** The task ARNs of the service ECS lists as stopped. */
  List<String> stoppedTasks(String cluster, String service) throws AwsProblem {
    try {
      return ecs.listTasks(
              r -> r.cluster(cluster).serviceName(service).desiredStatus(DesiredStatus.STOPPED))
          .taskArns();
    } catch (SdkException e) {
      throw new AwsProblem(AwsFailures.describe("ECS ListTasks", target, "AWS_ACCESS_KEY_ID", e));
    }
  }

  /** Events and stops seen so far, for a later {@link #watch}. */
  Set<String> eventIds(Service service) {
    Set<String> ids = new HashSet<>();
    for (ServiceEvent e : service.events()) {
      ids.add(e.id());
    }
    return ids;
  }

  /** The tasks that stopped since the last call and did not stop for scaling. */
  private List<Task> newStops(String cluster, String service, Set<String> seen, RolloutCause cause)
      throws AwsProblem {
    List<String> fresh = new ArrayList<>();
    for (String arn : stoppedTasks(cluster, service)) {
      if (seen.add(arn)) {
        fresh.add(arn);
      }
    }
    List<Task> stops = new ArrayList<>();
    if (fresh.isEmpty()) {
      return stops;
    }
    List<Task> tasks;
    try {
      tasks = ecs.describeTasks(r -> r.cluster(cluster).tasks(fresh)).tasks();
    } catch (SdkException e) {
      throw new AwsProblem(
          AwsFailures.describe("ECS DescribeTasks", target, "AWS_ACCESS_KEY_ID", e));
    }
    for (Task task : tasks) {
      String reason = task.stoppedReason() == null ? "" : task.stoppedReason();
      if (reason.startsWith("Scaling activity initiated by")) {
        continue;
      }
      cause.stopped(task);
      stops.add(task);
    }
    return stops;
  }

  /** {@code task 1a2b (web:4) stopped: Essential container in task exited; web exited 3}. */
  static String describeStop(Task task) {
    StringBuilder line =
        new StringBuilder("task ")
            .append(lastPart(task.taskArn()))
            .append(" (")
            .append(shortName(task.taskDefinitionArn()))
            .append(") stopped: ")
            .append(task.stoppedReason() == null ? "no reason given" : task.stoppedReason());
    for (Container c : task.containers()) {
      if (c.exitCode() != null) {
        line.append("; ").append(c.name()).append(" exited ").append(c.exitCode());
      }
      if (c.reason() != null && !c.reason().isBlank()) {
        line.append("; ").append(c.name()).append(": ").append(AwsFailures.oneLine(c.reason()));
      }
    }
    return line.toString();
  }

  /** The service's tasks by state and task definition, e.g. {@code tasks: 2 RUNNING web:3}. */
  private String taskStates(String cluster, String service) {
    try {
      List<String> arns = ecs.listTasks(r -> r.cluster(cluster).serviceName(service)).taskArns();
      if (arns.isEmpty()) {
        return "no task is running";
      }
      Map<String, Integer> counts = new LinkedHashMap<>();
      for (Task t : ecs.describeTasks(r -> r.cluster(cluster).tasks(arns)).tasks()) {
        counts.merge(t.lastStatus() + " " + shortName(t.taskDefinitionArn()), 1, Integer::sum);
      }
      List<String> parts = new ArrayList<>();
      counts.forEach((k, v) -> parts.add(v + " " + k));
      return "tasks: " + String.join(", ", parts);
    } catch (SdkException e) {
      return "tasks unknown (" + AwsFailures.oneLine(e.getMessage()) + ")";
    }
  }

  static Deployment primary(Service service) {
    for (Deployment d : service.deployments()) {
      if ("PRIMARY".equals(d.status())) {
        return d;
      }
    }
    return null;
  }

  static String primaryTaskDefinition(Service service) {
    Deployment primary = primary(service);
    return primary == null ? service.taskDefinition() : primary.taskDefinition();
  }

  /** {@code web:4} of {@code arn:aws:ecs:...:task-definition/web:4}. */
  static String shortName(String taskDefinitionArn) {
    return taskDefinitionArn == null ? "?" : lastPart(taskDefinitionArn);
  }

  static String lastPart(String arn) {
    return arn.substring(arn.lastIndexOf('/') + 1);
  }

  static String minutes(Duration d) {
    long seconds = d.toSeconds();
    return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
  }

  private static void remember(List<String> recent, String line) {
    recent.add(line);
    if (recent.size() > 5) {
      recent.remove(0);
    }
  }

  /** Sleeps up to {@code nanos}, waking early on cancel. */
  void sleep(long nanos) throws AwsProblem {
    long until = System.nanoTime() + nanos;
    try {
      while (System.nanoTime() < until && !cancelled.getAsBoolean()) {
        Thread.sleep(Math.max(1, Math.min(100, (until - System.nanoTime()) / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AwsProblem("interrupted while waiting for ECS");
    }
  }

  boolean isCancelled() {
    return cancelled.getAsBoolean();
  }
}
