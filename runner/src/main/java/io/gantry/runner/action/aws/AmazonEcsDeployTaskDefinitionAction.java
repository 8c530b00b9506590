package io.gantry.runner.action.aws;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.CreateServiceRequest;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * {@code aws-actions/amazon-ecs-deploy-task-definition}: registers a task definition, optionally
 * runs it once as a one-off task (a migration) and stops on a failed exit, then rolls the service
 * out to it and judges the deploy by what ECS says is live (see {@link EcsRollout}). One deploy of
 * a service at a time ({@link ServiceLock}); every deploy is recorded in the {@link DeployHistory},
 * and a failed one is rolled back to the service's last known good task definition unless {@code
 * rollback: never}; after a rollback the known good deployment's recorded health check is run
 * again ({@link Rollbacks#recheck}).
 *
 * <p>A deploy that succeeded is left in the job's {@link JobDeploys} for the later steps: a {@code
 * gantry/health-check} that passes is recorded on it, one that fails rolls it back (unless {@code
 * rollback: never}) through {@link ServiceRollback#afterFailedCheck}.
 *
 * <p>Gantry's own inputs besides the original's: {@code rollback} ({@code on-failure}, the
 * default, or {@code never}) and {@code service-definition}, a workspace path to a JSON file in
 * the shape of ECS CreateService (as ecspresso keeps it; read by {@link ServiceDefinitionFiles}).
 * It is used only when the service does not exist (MISSING or INACTIVE): the service is then
 * created from it with the step's {@code cluster} and {@code service}, the task definition just
 * registered and {@code desired-count} when given, and its first deployment is waited for and
 * judged like an update's. When the service exists the file is ignored (said in the log).
 */
final class AmazonEcsDeployTaskDefinitionAction implements Action {

  static final String NAME = "aws-actions/amazon-ecs-deploy-task-definition";

  private static final List<String> CODE_DEPLOY_INPUTS =
      List.of(
          "codedeploy-appspec",
          "codedeploy-application",
          "codedeploy-deployment-group",
          "codedeploy-deployment-description",
          "codedeploy-deployment-config");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1", "v2");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("task-definition", null);
    inputs.put("service", null);
    inputs.put("cluster", "default");
    // Gantry waits by default: a deploy is judged by what runs (the original's default is false).
    inputs.put("wait-for-service-stability", "true");
    inputs.put("wait-for-minutes", "30");
    inputs.put("force-new-deployment", "false");
    inputs.put("desired-count", null);
    inputs.put("enable-ecs-managed-tags", null);
    inputs.put("propagate-tags", null);
    inputs.put("run-task", "false");
    inputs.put("run-task-command", null);
    inputs.put("run-task-launch-type", "FARGATE");
    inputs.put("run-task-started-by", "GitHub-Actions");
    inputs.put("run-task-assign-public-IP", "DISABLED");
    inputs.put("run-task-subnets", null);
    inputs.put("run-task-security-groups", null);
    inputs.put("wait-for-task-stopped", "false");
    inputs.put("rollback", "on-failure");
    inputs.put("service-definition", null);
    inputs.put("http-proxy", null);
    for (String input : CODE_DEPLOY_INPUTS) {
      inputs.put(input, null);
    }
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("task-definition");
  }

  @Override
  public ActionResult run(ActionContext context) {
    try {
      return deploy(context, new StepInputs(context));
    } catch (StepProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
  }

  private ActionResult deploy(ActionContext context, StepInputs in) throws StepProblem {
    for (String input : CODE_DEPLOY_INPUTS) {
      if (!in.text(input).isEmpty()) {
        throw new StepProblem(
            "input '"
                + input
                + "': CodeDeploy blue/green deployments are not supported by Gantry; remove the"
                + " codedeploy-* inputs to deploy with ECS's rolling update");
      }
    }
    String cluster = in.text("cluster").isEmpty() ? "default" : in.text("cluster");
    String service = in.text("service");
    boolean wait = in.bool("wait-for-service-stability", true);
    int waitMinutes = in.integer("wait-for-minutes", 30, 1, 360);
    boolean force = in.bool("force-new-deployment", false);
    Integer desiredCount =
        in.text("desired-count").isEmpty()
            ? null
            : in.integer("desired-count", 0, 0, Integer.MAX_VALUE);
    Boolean managedTags =
        in.text("enable-ecs-managed-tags").isEmpty()
            ? null
            : in.bool("enable-ecs-managed-tags", false);
    String propagate = in.text("propagate-tags").toUpperCase(Locale.ROOT);
    if (!propagate.isEmpty() && !Set.of("SERVICE", "TASK_DEFINITION", "NONE").contains(propagate)) {
      throw new StepProblem(
          "input 'propagate-tags' must be SERVICE, TASK_DEFINITION or NONE, got '"
              + in.text("propagate-tags") + "'");
    }
    boolean runTask = in.bool("run-task", false);
    boolean waitForTask = in.bool("wait-for-task-stopped", false);
    String rollback = in.text("rollback").toLowerCase(Locale.ROOT);
    if (!rollback.isEmpty() && !rollback.equals("on-failure") && !rollback.equals("never")) {
      throw new StepProblem(
          "input 'rollback' must be 'on-failure' (the default) or 'never', got '"
              + in.text("rollback") + "'");
    }
    boolean autoRollback = !rollback.equals("never");
    RegisterTaskDefinitionRequest definition =
        TaskDefinitionFiles.read(context.workspace(), in.text("task-definition"));
    String serviceFile = in.text("service-definition");
    if (!serviceFile.isEmpty() && service.isEmpty()) {
      throw new StepProblem(
          "input 'service-definition' needs the input 'service': name the service to create");
    }
    // Read before anything is registered, so that a bad file changes nothing.
    CreateServiceRequest serviceDefinition =
        serviceFile.isEmpty()
            ? null
            : ServiceDefinitionFiles.read(
                context.workspace(), serviceFile, cluster, service, context.env());

    AwsEnvironment env = new AwsEnvironment(context.env());
    String region = env.region();
    if (region.isEmpty()) {
      throw new StepProblem(
          "AWS_REGION is not set: run aws-actions/configure-aws-credentials first, or set"
              + " AWS_REGION in the job's env");
    }
    AwsCredentials credentials =
        env.credentials()
            .orElseThrow(
                () ->
                    new StepProblem(
                        "no AWS credentials in the job's env: run"
                            + " aws-actions/configure-aws-credentials first, or set"
                            + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
    context.addMask(credentials.secretAccessKey());
    AwsClients.Target target =
        AwsClients.target(
            "ECS", region, env, credentials, in.text("http-proxy"), AwsClients.DEFAULT_ATTEMPTS);

    try (EcsClient ecs = AwsClients.ecs(target)) {
      TaskDefinition registered;
      try {
        registered = ecs.registerTaskDefinition(definition).taskDefinition();
      } catch (SdkException e) {
        throw new StepProblem(
            AwsFailures.describe("ECS RegisterTaskDefinition", target, "AWS_ACCESS_KEY_ID", e));
      }
      String arn = registered.taskDefinitionArn();
      context.setOutput("task-definition-arn", arn);
      context.log("Registered task definition " + arn);
      List<String> images = new ArrayList<>();
      for (ContainerDefinition c : registered.containerDefinitions()) {
        images.add(c.image());
      }
      EcsRollout rollout = new EcsRollout(ecs, target, context::log, context::cancelled);
      Duration timeout = Duration.ofMinutes(waitMinutes);
      OneOffTask oneOff =
          runTask
              ? new OneOffTask(
                  ecs,
                  target,
                  rollout,
                  context::log,
                  cluster,
                  arn,
                  definition.containerDefinitions().get(0).name(),
                  in.text("run-task-command"),
                  in.text("run-task-launch-type"),
                  in.text("run-task-started-by"),
                  in.text("run-task-assign-public-IP"),
                  in.text("run-task-subnets"),
                  in.text("run-task-security-groups"),
                  managedTags,
                  propagate)
              : null;
      if (service.isEmpty()) {
        if (oneOff != null) {
          oneOff.run(waitForTask, timeout);
        }
        context.log("No service given: the task definition is registered, nothing is deployed");
        return ActionResult.ok();
      }
      DeployHistory history = context.deployHistory();
      if (history == null) {
        throw new StepProblem("no deploy history is available to this step; nothing was deployed");
      }
      ServiceKey key = new ServiceKey(target.where(), clusterName(cluster), service);
      String holder = holder(context);
      ServiceLock lock =
          ServiceLock.acquire(history, key, holder, context::log, context::cancelled);
      try {
        Optional<Service> before = rollout.find(cluster, service);
        if (before.isEmpty() && serviceDefinition == null) {
          throw new StepProblem(
              "service '" + service + "' was not found in cluster '" + cluster + "' at "
                  + target.where() + "; create it first (CreateService), check the inputs"
                  + " 'service' and 'cluster', or give service-definition to create it");
        }
        if (before.isPresent() && serviceDefinition != null) {
          context.log(
              "The service exists: " + serviceFile + " (service-definition) is ignored, the"
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
                    key, arn, images, context.runId() == 0 ? null : context.runId(),
                    context.sha(), context.actor(), DeployHistory.DEPLOY, null, null,
                    Instant.now()));
        EcsRollout.Outcome outcome;
        try {
          if (before.isEmpty()) {
            context.log("Creating service " + cluster + "/" + service + " from " + serviceFile);
            CreateServiceRequest.Builder create =
                serviceDefinition.toBuilder().taskDefinition(arn);
            if (desiredCount != null) {
              create.desiredCount(desiredCount);
            }
            outcome = rollout.create(create.build(), wait, timeout);
          } else {
            outcome =
              rollout.rollOut(
                  cluster,
                  service,
                  arn,
                  new EcsRollout.Update(
                      desiredCount,
                      force,
                      propagate.isEmpty() ? null : propagate,
                      managedTags),
                  wait,
                  timeout);
          }
        } catch (StepProblem | RuntimeException e) {
          history.finished(id, DeployHistory.FAILED, e.getMessage(), Instant.now());
          throw e;
        }
        if (outcome.completed()) {
          if (outcome.ending() == EcsRollout.Ending.COMPLETED) {
            history.finished(id, DeployHistory.SUCCEEDED, null, Instant.now());
            if (context.jobDeploys() != null) {
              // A later health-check step of this job records itself on it, or rolls it back.
              context.jobDeploys()
                  .add(
                      new JobDeploys.Deploy(
                          key, id, context.env(), in.text("http-proxy"), autoRollback, timeout));
            }
          } else {
            context.log(
                "Not waiting for the rollout (wait-for-service-stability: false): the deploy is"
                    + " recorded as in progress and is not a known good deployment");
          }
          return ActionResult.ok();
        }
        return failed(
            context, rollout, history, key, id, previous, outcome, autoRollback, timeout);
      } finally {
        lock.close();
      }
    }
  }

  /** Concludes a failed rollout: records it and, unless disabled, rolls back to known good. */
  private static ActionResult failed(
      ActionContext context,
      EcsRollout rollout,
      DeployHistory history,
      ServiceKey key,
      long id,
      String previous,
      EcsRollout.Outcome outcome,
      boolean autoRollback,
      Duration timeout)
      throws StepProblem {
    String message = outcome.message();
    boolean cancelled = outcome.ending() == EcsRollout.Ending.CANCELLED;
    if (!autoRollback || cancelled) {
      history.finished(
          id,
          outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
              ? DeployHistory.ROLLED_BACK
              : DeployHistory.FAILED,
          message,
          Instant.now());
      return ActionResult.failure(
          NAME + ": " + message + (autoRollback ? "" : " (rollback: never, no rollback by Gantry)"));
    }
    Optional<Deployment> good = history.lastKnownGood(key, id);
    if (good.isEmpty()) {
      history.finished(
          id,
          outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
              ? DeployHistory.ROLLED_BACK
              : DeployHistory.FAILED,
          message,
          Instant.now());
      return ActionResult.failure(
          NAME + ": " + message + "; no known good deployment of the service to roll back to"
              + (previous == null
                  ? " (the service was created by this deploy)"
                  : " (the service was at " + EcsRollout.shortName(previous) + ")"));
    }
    Deployment target = good.get();
    if (outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
        && target.taskDefinition().equals(outcome.primaryTaskDefinition())) {
      // ECS's circuit breaker already went back to the known good task definition: wait for it.
      context.log(
          "ECS is rolling back to the last known good task definition "
              + EcsRollout.shortName(target.taskDefinition())
              + Rollbacks.describeOrigin(target));
      history.finished(id, DeployHistory.ROLLED_BACK, message, Instant.now());
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
              ? Rollbacks.recheck(target, context::log, context::cancelled)
              : back.message();
      return ActionResult.failure(
          NAME + ": " + message + "; " + Rollbacks.rolledBackTo(target)
              + (unhealthy == null ? "" : " (but the rollback did not complete: " + unhealthy + ")"));
    }
    history.finished(id, DeployHistory.ROLLED_BACK, message, Instant.now());
    context.log(NAME + ": " + message);
    EcsRollout.Outcome back =
        Rollbacks.rollBack(
            rollout,
            history,
            key,
            target,
            id,
            new Rollbacks.Origin(
                context.runId() == 0 ? null : context.runId(),
                context.sha(),
                "auto-rollback of deployment " + id),
            true,
            timeout,
            context::log);
    return ActionResult.failure(
        NAME + ": " + message + "; " + Rollbacks.rolledBackTo(target)
            + (back.ending() == EcsRollout.Ending.COMPLETED
                ? ""
                : " (but the rollback did not complete: " + back.message() + ")"));
  }

  /** How a waiting deploy sees this one. */
  private static String holder(ActionContext context) {
    String sha = context.sha() == null ? "" : context.sha();
    return (context.runId() == 0 ? "a deploy" : "run " + context.runId())
        + (context.actor() == null ? "" : " by " + context.actor())
        + (sha.isEmpty() ? "" : " (commit " + sha.substring(0, Math.min(7, sha.length())) + ")");
  }

  /** A cluster's name, also when given as an ARN. */
  static String clusterName(String cluster) {
    return cluster.startsWith("arn:") ? EcsRollout.lastPart(cluster) : cluster;
  }
}
