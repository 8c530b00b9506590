package io.gantry.runner.deploy;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsEnvironment;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.taskdef.TaskDefinitionFiles;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.CreateServiceRequest;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * An ECS deploy, what {@code aws-actions/amazon-ecs-deploy-task-definition} does: registers a task
 * definition, optionally runs it once as a one-off task (a migration, {@link OneOffTask}) and stops
 * on a failed exit, then rolls the service out to it and judges the deploy by what ECS says is live
 * (see {@link EcsRollout}). One deploy of a service at a time ({@link ServiceLock}); every deploy
 * is recorded in the {@link DeployHistory}, and a failed one is rolled back to the service's last
 * known good task definition unless {@code rollback: never}; after a rollback the known good
 * deployment's recorded health check is run again ({@link Rollbacks#recheck}).
 *
 * <p>A deploy that succeeded is returned as a {@link JobDeploys.Deploy} for the job's later steps:
 * a health check that passes is recorded on it, one that fails rolls it back (unless {@code
 * rollback: never}) through {@link ServiceRollback#afterFailedCheck}.
 *
 * <p>{@link Request#serviceDefinition}, a workspace path to a JSON file in the shape of ECS
 * CreateService (as ecspresso keeps it; read by {@link ServiceDefinitionFiles}), is used only when
 * the service does not exist (MISSING or INACTIVE): the service is then created from it with the
 * request's cluster and service, the task definition just registered and the desired count when
 * given, and its first deployment is waited for and judged like an update's. When the service
 * exists the file is ignored (said in the log).
 */
public final class EcsDeploy {

  /** The action's name, which starts the line logged before an automatic rollback. */
  private static final String NAME = "aws-actions/amazon-ecs-deploy-task-definition";

  /**
   * What to deploy, as the step's inputs say it (already checked for their form).
   *
   * @param workspace where {@code taskDefinition} and {@code serviceDefinition} are read from
   * @param taskDefinition the task definition file (RegisterTaskDefinition JSON)
   * @param cluster the cluster, by name or ARN
   * @param service the service, or {@code ""} to register the task definition only
   * @param waitForStability whether to wait for the rollout and judge it
   * @param timeout how long to wait for the rollout, a one-off task or a rollback
   * @param desiredCount the service's new desired count, or null to keep it
   * @param managedTags ECS managed tags on or off, or null to leave them
   * @param propagateTags {@code SERVICE}, {@code TASK_DEFINITION}, {@code NONE} or {@code ""}
   * @param oneOff the one-off task to run first, or null
   * @param autoRollback whether a failed deploy goes back to the last known good deployment
   * @param serviceDefinition the CreateService file for a service that does not exist, or {@code
   *     ""}
   * @param httpProxy a proxy for the ECS calls, or {@code ""} ({@code HTTPS_PROXY} of {@code env}
   *     otherwise)
   * @param env the step's environment: region, credentials and endpoint (never printed)
   * @param runId the run that deploys, or 0
   * @param sha the commit deployed, or null
   * @param actor who triggered the run, or null
   */
  public record Request(
      Path workspace,
      String taskDefinition,
      String cluster,
      String service,
      boolean waitForStability,
      Duration timeout,
      boolean force,
      Integer desiredCount,
      Boolean managedTags,
      String propagateTags,
      OneOff oneOff,
      boolean autoRollback,
      String serviceDefinition,
      String httpProxy,
      Map<String, String> env,
      long runId,
      String sha,
      String actor) {

    public Request {
      env = Map.copyOf(env);
    }

    @Override
    public String toString() {
      return "Request[cluster="
          + cluster
          + ", service="
          + service
          + ", taskDefinition="
          + taskDefinition
          + ", env=****]";
    }
  }

  /**
   * The one-off task ({@code run-task}) to run before the service is touched, as the inputs give
   * it.
   *
   * @param waitForStopped without a service, whether to wait for it to stop (with a service it is
   *     always waited for)
   */
  public record OneOff(
      String command,
      String launchType,
      String startedBy,
      String assignPublicIp,
      String subnets,
      String securityGroups,
      boolean waitForStopped) {}

  /**
   * How a deploy ended.
   *
   * @param succeeded whether it succeeded
   * @param message why it failed (one line, without the action's name), or null
   * @param taskDefinitionArn the task definition registered, or null when none was
   * @param deployed the deploy made, for the job's later steps; null when none was recorded as
   *     succeeded
   */
  public record Result(
      boolean succeeded, String message, String taskDefinitionArn, JobDeploys.Deploy deployed) {}

  private EcsDeploy() {}

  /**
   * Deploys. A problem with the request, the files or an AWS call ends it with a failed result; the
   * deploy history is concluded in every case but one: a rollout not waited for stays in progress.
   *
   * @param history the deploy history; null only outside a run, where no service is touched
   */
  public static Result deploy(Request request, DeployHistory history, Progress progress) {
    String[] arn = {null};
    try {
      return deploy(request, history, progress, arn);
    } catch (AwsProblem problem) {
      return new Result(false, problem.getMessage(), arn[0], null);
    }
  }

  private static Result deploy(
      Request request, DeployHistory history, Progress progress, String[] registeredArn)
      throws AwsProblem {
    String cluster = request.cluster();
    String service = request.service();
    boolean wait = request.waitForStability();
    Duration timeout = request.timeout();
    Integer desiredCount = request.desiredCount();
    Boolean managedTags = request.managedTags();
    String propagate = request.propagateTags();
    boolean autoRollback = request.autoRollback();
    EcsRollout.Update update =
        new EcsRollout.Update(
            desiredCount, request.force(), propagate.isEmpty() ? null : propagate, managedTags);
    RegisterTaskDefinitionRequest definition =
        TaskDefinitionFiles.read(request.workspace(), request.taskDefinition());
    String serviceFile = request.serviceDefinition();
    if (!serviceFile.isEmpty() && service.isEmpty()) {
      throw new AwsProblem(
          "input 'service-definition' needs the input 'service': name the service to create");
    }
    // Read before anything is registered, so that a bad file changes nothing.
    CreateServiceRequest serviceDefinition =
        serviceFile.isEmpty()
            ? null
            : ServiceDefinitionFiles.read(
                request.workspace(), serviceFile, cluster, service, request.env());

    AwsEnvironment env = new AwsEnvironment(request.env());
    String region = env.region();
    if (region.isEmpty()) {
      throw new AwsProblem(
          "AWS_REGION is not set: run aws-actions/configure-aws-credentials first, or set"
              + " AWS_REGION in the job's env");
    }
    AwsCredentials credentials =
        env.credentials()
            .orElseThrow(
                () ->
                    new AwsProblem(
                        "no AWS credentials in the job's env: run"
                            + " aws-actions/configure-aws-credentials first, or set"
                            + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
    progress.addMask(credentials.secretAccessKey());
    AwsClients.Target target =
        AwsClients.target(
            "ECS", region, env, credentials, request.httpProxy(), AwsClients.DEFAULT_ATTEMPTS);

    try (EcsClient ecs = AwsClients.ecs(target)) {
      TaskDefinition registered;
      try {
        registered = ecs.registerTaskDefinition(definition).taskDefinition();
      } catch (SdkException e) {
        throw new AwsProblem(
            AwsFailures.describe("ECS RegisterTaskDefinition", target, "AWS_ACCESS_KEY_ID", e));
      }
      String arn = registered.taskDefinitionArn();
      registeredArn[0] = arn;
      progress.log("Registered task definition " + arn);
      List<String> images = new ArrayList<>();
      for (ContainerDefinition c : registered.containerDefinitions()) {
        images.add(c.image());
      }
      EcsRollout rollout = new EcsRollout(ecs, target, progress::log, progress::cancelled);
      OneOffTask oneOff =
          request.oneOff() != null
              ? new OneOffTask(
                  ecs,
                  target,
                  rollout,
                  progress::log,
                  cluster,
                  arn,
                  definition.containerDefinitions().get(0).name(),
                  request.oneOff().command(),
                  request.oneOff().launchType(),
                  request.oneOff().startedBy(),
                  request.oneOff().assignPublicIp(),
                  request.oneOff().subnets(),
                  request.oneOff().securityGroups(),
                  managedTags,
                  propagate)
              : null;
      if (service.isEmpty()) {
        if (oneOff != null) {
          oneOff.run(request.oneOff().waitForStopped(), timeout);
        }
        progress.log("No service given: the task definition is registered, nothing is deployed");
        return new Result(true, null, arn, null);
      }
      if (history == null) {
        throw new AwsProblem("no deploy history is available to this step; nothing was deployed");
      }
      ServiceKey key = new ServiceKey(target.where(), clusterName(cluster), service);
      String holder = holder(request);
      ServiceLock lock =
          ServiceLock.acquire(history, key, holder, progress::log, progress::cancelled);
      try {
        Optional<Service> before = rollout.find(cluster, service);
        if (before.isEmpty() && serviceDefinition == null) {
          throw new AwsProblem(
              "service '"
                  + service
                  + "' was not found in cluster '"
                  + cluster
                  + "' at "
                  + target.where()
                  + "; create it first (CreateService), check the inputs"
                  + " 'service' and 'cluster', or give service-definition to create it");
        }
        if (before.isPresent() && serviceDefinition != null) {
          progress.log(
              "The service exists: "
                  + serviceFile
                  + " (service-definition) is ignored, the"
                  + " service is updated");
        }
        String previous = before.map(EcsRollout::primaryTaskDefinition).orElse(null);
        if (oneOff != null) {
          // A one-off task (a migration) must pass before the service is touched.
          oneOff.run(true, timeout);
        }
        long id =
            history.started(
                new DeployHistory.NewDeployment(
                    key,
                    arn,
                    images,
                    request.runId() == 0 ? null : request.runId(),
                    request.sha(),
                    request.actor(),
                    DeployHistory.Kind.DEPLOY,
                    null,
                    null,
                    Instant.now()));
        EcsRollout.Outcome outcome;
        try {
          if (before.isEmpty()) {
            progress.log("Creating service " + cluster + "/" + service + " from " + serviceFile);
            CreateServiceRequest.Builder create = serviceDefinition.toBuilder().taskDefinition(arn);
            if (desiredCount != null) {
              create.desiredCount(desiredCount);
            }
            outcome = rollout.create(create.build(), wait, timeout);
          } else {
            outcome = rollout.rollOut(cluster, service, arn, update, wait, timeout);
          }
        } catch (AwsProblem | RuntimeException e) {
          history.finished(id, DeployHistory.Outcome.FAILED, e.getMessage(), Instant.now());
          throw e;
        }
        if (outcome.completed()) {
          if (outcome.ending() == EcsRollout.Ending.COMPLETED) {
            history.finished(id, DeployHistory.Outcome.SUCCEEDED, null, Instant.now());
            // A later health-check step of the job records itself on it, or rolls it back.
            return new Result(
                true,
                null,
                arn,
                new JobDeploys.Deploy(
                    key, id, request.env(), request.httpProxy(), autoRollback, timeout));
          } else {
            progress.log(
                "Not waiting for the rollout (wait-for-service-stability: false): the deploy is"
                    + " recorded as in progress and is not a known good deployment");
          }
          return new Result(true, null, arn, null);
        }
        return failed(
            request,
            progress,
            arn,
            rollout,
            history,
            key,
            id,
            previous,
            outcome,
            autoRollback,
            timeout);
      } finally {
        lock.close();
      }
    }
  }

  /** Concludes a failed rollout: records it and, unless disabled, rolls back to known good. */
  private static Result failed(
      Request request,
      Progress progress,
      String arn,
      EcsRollout rollout,
      DeployHistory history,
      ServiceKey key,
      long id,
      String previous,
      EcsRollout.Outcome outcome,
      boolean autoRollback,
      Duration timeout)
      throws AwsProblem {
    String message = outcome.message();
    boolean cancelled = outcome.ending() == EcsRollout.Ending.CANCELLED;
    if (!autoRollback || cancelled) {
      history.finished(
          id,
          outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
              ? DeployHistory.Outcome.ROLLED_BACK
              : DeployHistory.Outcome.FAILED,
          message,
          Instant.now());
      return new Result(
          false,
          message + (autoRollback ? "" : " (rollback: never, no rollback by Gantry)"),
          arn,
          null);
    }
    Optional<Deployment> good = history.lastKnownGood(key, id);
    if (good.isEmpty()) {
      history.finished(
          id,
          outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
              ? DeployHistory.Outcome.ROLLED_BACK
              : DeployHistory.Outcome.FAILED,
          message,
          Instant.now());
      return failure(
          arn,
          message
              + "; no known good deployment of the service to roll back to"
              + (previous == null
                  ? " (the service was created by this deploy)"
                  : " (the service was at " + EcsRollout.shortName(previous) + ")"));
    }
    Deployment target = good.get();
    if (outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
        && target.taskDefinition().equals(outcome.primaryTaskDefinition())) {
      // ECS's circuit breaker already went back to the known good task definition: wait for it.
      progress.log(
          "ECS is rolling back to the last known good task definition "
              + EcsRollout.shortName(target.taskDefinition())
              + Rollbacks.describeOrigin(target));
      history.finished(id, DeployHistory.Outcome.ROLLED_BACK, message, Instant.now());
      Service now = rollout.describe(key.cluster(), key.service());
      EcsRollout.Outcome back =
          rollout.watch(
              key.cluster(),
              key.service(),
              EcsRollout.primary(now).id(),
              target.taskDefinition(),
              timeout,
              rollout.eventIds(now),
              new java.util.HashSet<>(rollout.stoppedTasks(key.cluster(), key.service())));
      String unhealthy =
          back.ending() == EcsRollout.Ending.COMPLETED
              ? Rollbacks.recheck(target, progress::log, progress::cancelled)
              : back.message();
      return failure(
          arn,
          message
              + "; "
              + Rollbacks.rolledBackTo(target)
              + (unhealthy == null
                  ? ""
                  : " (but the rollback did not complete: " + unhealthy + ")"));
    }
    history.finished(id, DeployHistory.Outcome.ROLLED_BACK, message, Instant.now());
    progress.log(NAME + ": " + message);
    EcsRollout.Outcome back =
        Rollbacks.rollBack(
            rollout,
            history,
            key,
            target,
            id,
            new Rollbacks.Origin(
                request.runId() == 0 ? null : request.runId(),
                request.sha(),
                "auto-rollback of deployment " + id),
            true,
            timeout,
            progress::log);
    return failure(
        arn,
        message
            + "; "
            + Rollbacks.rolledBackTo(target)
            + (back.ending() == EcsRollout.Ending.COMPLETED
                ? ""
                : " (but the rollback did not complete: " + back.message() + ")"));
  }

  private static Result failure(String arn, String message) {
    return new Result(false, message, arn, null);
  }

  /** How a waiting deploy sees this one. */
  private static String holder(Request request) {
    String sha = request.sha() == null ? "" : request.sha();
    return (request.runId() == 0 ? "a deploy" : "run " + request.runId())
        + (request.actor() == null ? "" : " by " + request.actor())
        + (sha.isEmpty() ? "" : " (commit " + sha.substring(0, Math.min(7, sha.length())) + ")");
  }

  /** A cluster's name, also when given as an ARN. */
  public static String clusterName(String cluster) {
    return cluster.startsWith("arn:") ? EcsRollout.lastPart(cluster) : cluster;
  }
}
