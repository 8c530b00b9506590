package io.gantry.runner.deploy;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsEnvironment;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Rolling an ECS service back to an earlier deployment from the deploy history, outside a workflow
 * ({@code gantry rollback}) and inside one ({@code gantry/ecs-rollback}): a new deployment of the
 * chosen task definition, under the service's deploy lock, recorded and waited for like any other,
 * then checked with the chosen deployment's recorded health check (a failing check fails the
 * rollback). After a failed health check in a job, {@code afterFailedCheck} does the same for the
 * services the job deployed. The AWS side (region, credentials, endpoint) is read from {@code env}
 * as the AWS actions read a step's environment.
 */
public final class ServiceRollback {

  /**
   * How it ended.
   *
   * @param succeeded the service runs the chosen task definition (or, without waiting, was asked
   *     to)
   * @param message one line: what was done, or why nothing was
   */
  public record Result(boolean succeeded, String message) {}

  /**
   * What to roll back.
   *
   * @param to a deployment id, {@code run:N}, a task definition ARN or {@code family:revision};
   *     empty for the last known good deployment before the newest
   * @param trigger who asks, recorded in the history (e.g. {@code gantry rollback by alice})
   * @param runId the run that asks, or null
   */
  public record Request(
      Map<String, String> env,
      String cluster,
      String service,
      String to,
      boolean waitForStability,
      Duration timeout,
      String trigger,
      Long runId,
      String sha) {}

  private ServiceRollback() {}

  /**
   * The service's key in the history for the ECS endpoint {@code env} names.
   *
   * @throws IllegalArgumentException with a one-line message when the region or endpoint is bad
   */
  public static ServiceKey serviceKey(Map<String, String> env, String cluster, String service) {
    try {
      return new ServiceKey(
          target(new AwsEnvironment(env), null).where(), EcsDeploy.clusterName(cluster), service);
    } catch (AwsProblem e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Rolls back; never throws for a failure of the rollback itself. */
  public static Result rollBack(
      Request request, DeployHistory history, Consumer<String> log, BooleanSupplier cancelled) {
    try {
      return new Result(true, perform(request, history, log, cancelled));
    } catch (AwsProblem e) {
      return new Result(false, e.getMessage());
    }
  }

  static String perform(
      Request request, DeployHistory history, Consumer<String> log, BooleanSupplier cancelled)
      throws AwsProblem {
    AwsEnvironment env = new AwsEnvironment(request.env());
    AwsClients.Target bare = target(env, null);
    ServiceKey key =
        new ServiceKey(bare.where(), EcsDeploy.clusterName(request.cluster()), request.service());
    // Chosen before anything is called, so that a rollback with nowhere to go changes nothing.
    Deployment target = Rollbacks.choose(history, key, request.to());
    List<Deployment> recent = history.list(key, 1);
    Long rollbackOf = recent.isEmpty() ? null : recent.get(0).id();
    EcsRollout.Outcome outcome =
        deploy(
            request.env(),
            "",
            key,
            target,
            rollbackOf,
            new Rollbacks.Origin(request.runId(), request.sha(), request.trigger()),
            request.waitForStability(),
            request.timeout(),
            history,
            log,
            cancelled);
    if (!outcome.completed()) {
      throw new AwsProblem(
          "the rollback to "
              + EcsRollout.shortName(target.taskDefinition())
              + " failed: "
              + outcome.message());
    }
    return (outcome.ending() == EcsRollout.Ending.COMPLETED ? "" : "asked ECS to roll back; ")
        + Rollbacks.rolledBackTo(target).replaceFirst("^rolled", "Rolled");
  }

  /**
   * Deploys {@code target}'s task definition as a rollback under the service's deploy lock (see
   * {@link Rollbacks#rollBack}); nothing is changed when there are no credentials.
   */
  private static EcsRollout.Outcome deploy(
      Map<String, String> envVars,
      String httpProxy,
      ServiceKey key,
      Deployment target,
      Long rollbackOf,
      Rollbacks.Origin origin,
      boolean wait,
      Duration timeout,
      DeployHistory history,
      Consumer<String> log,
      BooleanSupplier cancelled)
      throws AwsProblem {
    AwsEnvironment env = new AwsEnvironment(envVars);
    AwsCredentials credentials =
        env.credentials()
            .orElseThrow(
                () ->
                    new AwsProblem(
                        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY;"
                            + " nothing was changed"));
    AwsClients.Target ecsTarget =
        AwsClients.target(
            "ECS", env.region(), env, credentials, httpProxy, AwsClients.DEFAULT_ATTEMPTS);
    ServiceLock lock =
        ServiceLock.acquire(
            history,
            key,
            origin.trigger() == null ? "a rollback" : origin.trigger(),
            log,
            cancelled);
    try (EcsClient ecs = AwsClients.ecs(ecsTarget)) {
      EcsRollout rollout = new EcsRollout(ecs, ecsTarget, log, cancelled);
      rollout.describe(key.cluster(), key.service());
      return Rollbacks.rollBack(
          rollout, history, key, target, rollbackOf, origin, wait, timeout, log);
    } finally {
      lock.close();
    }
  }

  /**
   * After {@code gantry/health-check} failed: undoes what the earlier steps of the job deployed
   * (the most recent deploy of each service). A deploy with {@code rollback: never}, or with no
   * known good deployment before it, is only recorded as failed (it is no known good deployment any
   * more) and the service is left as it is; any other is recorded as rolled back and its service is
   * returned to its last known good deployment, waited for and re-checked.
   *
   * @return what to append to the step's failure message: {@code ""} when the job deployed nothing,
   *     else {@code "; rolled back to web:3 from run 7"} or why nothing was rolled back
   */
  public static String afterFailedCheck(
      JobDeploys deploys,
      DeployHistory history,
      long runId,
      String sha,
      Progress progress,
      String reason) {
    if (deploys == null || history == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    String why = "its health check failed: " + reason;
    for (JobDeploys.Deploy d : deploys.all()) {
      deploys.remove(d);
      ServiceKey key = d.service();
      String service = key.cluster() + "/" + key.service();
      if (!d.rollback()) {
        history.finished(d.deploymentId(), DeployHistory.Outcome.FAILED, why, Instant.now());
        out.append("; deployment ")
            .append(d.deploymentId())
            .append(" of ")
            .append(service)
            .append(" is recorded as failed (rollback: never, no rollback by Gantry)");
        continue;
      }
      Optional<Deployment> good = history.lastKnownGood(key, d.deploymentId());
      if (good.isEmpty()) {
        history.finished(d.deploymentId(), DeployHistory.Outcome.FAILED, why, Instant.now());
        out.append("; no known good deployment of ")
            .append(service)
            .append(" to roll back to, nothing was changed (deployment ")
            .append(d.deploymentId())
            .append(" is recorded as failed)");
        continue;
      }
      Deployment target = good.get();
      history.finished(d.deploymentId(), DeployHistory.Outcome.ROLLED_BACK, why, Instant.now());
      progress.log(
          "The health check failed after deployment "
              + d.deploymentId()
              + " of "
              + service
              + ": rolling it back");
      try {
        EcsRollout.Outcome back =
            deploy(
                d.env(),
                d.httpProxy(),
                key,
                target,
                d.deploymentId(),
                new Rollbacks.Origin(
                    runId == 0 ? null : runId,
                    sha,
                    "auto-rollback of deployment " + d.deploymentId()),
                true,
                d.timeout(),
                history,
                progress::log,
                progress::cancelled);
        out.append("; ")
            .append(Rollbacks.rolledBackTo(target))
            .append(
                back.ending() == EcsRollout.Ending.COMPLETED
                    ? ""
                    : " (but the rollback did not complete: " + back.message() + ")");
      } catch (AwsProblem e) {
        out.append("; the rollback of ")
            .append(service)
            .append(" to ")
            .append(EcsRollout.shortName(target.taskDefinition()))
            .append(" failed: ")
            .append(e.getMessage());
      }
    }
    return out.toString();
  }

  private static AwsClients.Target target(AwsEnvironment env, AwsCredentials credentials)
      throws AwsProblem {
    String region = env.region();
    if (region.isEmpty()) {
      throw new AwsProblem("AWS_REGION is not set: set it to the service's region");
    }
    if (!AwsEnvironment.REGION.matcher(region).matches()) {
      throw new AwsProblem(
          "the region '"
              + region
              + "' of AWS_REGION is not a region name; write it like us-east-1");
    }
    return AwsClients.target("ECS", region, env, credentials, "", AwsClients.DEFAULT_ATTEMPTS);
  }
}
