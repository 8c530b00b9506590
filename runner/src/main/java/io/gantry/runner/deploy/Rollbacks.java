package io.gantry.runner.deploy;

import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Returning a service to an earlier deployment: a new deployment of that deployment's task
 * definition, recorded in the history (kind {@code rollback}) and waited for like any other.
 */
final class Rollbacks {

  private Rollbacks() {}

  /** Who asks for a rollback, for the history. */
  record Origin(Long runId, String sha, String trigger) {}

  /**
   * Which deployment {@code to} names: a deployment id ({@code 12} or {@code d12}), a run ({@code
   * run:7} or {@code run-7}: that run's last succeeded deployment of the service), or a task
   * definition (ARN or {@code family:revision}). Empty {@code to} means the last known good
   * deployment before the newest one.
   */
  static Deployment choose(DeployHistory history, ServiceKey key, String to) throws AwsProblem {
    List<Deployment> all = history.list(key, 500);
    String wanted = to == null ? "" : to.trim();
    if (wanted.isEmpty()) {
      long newest = all.isEmpty() ? Long.MAX_VALUE : all.get(0).id();
      // The newest deployment is what runs (or failed to); its predecessor that succeeded is the
      // one to go back to. When the newest itself is the only good one there is nothing earlier.
      Optional<Deployment> good = history.lastKnownGood(key, newest);
      return good.orElseThrow(
          () ->
              new AwsProblem(
                  "no known good deployment of "
                      + key.cluster()
                      + "/"
                      + key.service()
                      + " before "
                      + (all.isEmpty()
                          ? "now (no deployment is recorded)"
                          : "deployment " + all.get(0).id())
                      + "; nothing was changed. Name one with --to (gantry deployments "
                      + key.service()
                      + " lists them)"));
    }
    String lower = wanted.toLowerCase(Locale.ROOT);
    if (lower.startsWith("run:") || lower.startsWith("run-")) {
      long run = number(wanted.substring(4), to);
      for (Deployment d : all) {
        if (d.runId() != null
            && d.runId() == run
            && DeployHistory.Outcome.SUCCEEDED.equals(d.outcome())) {
          return d;
        }
      }
      throw new AwsProblem(
          "run "
              + run
              + " has no succeeded deployment of "
              + key.cluster()
              + "/"
              + key.service()
              + "; nothing was changed");
    }
    if (lower.matches("d?\\d+")) {
      long id = number(lower.startsWith("d") ? wanted.substring(1) : wanted, to);
      for (Deployment d : all) {
        if (d.id() == id) {
          return d;
        }
      }
      throw new AwsProblem(
          "deployment "
              + id
              + " is not a deployment of "
              + key.cluster()
              + "/"
              + key.service()
              + "; nothing was changed");
    }
    for (Deployment d : all) {
      if (d.taskDefinition().equals(wanted)
          || EcsRollout.shortName(d.taskDefinition()).equals(wanted)) {
        return d;
      }
    }
    if (wanted.startsWith("arn:") || wanted.contains(":")) {
      // A task definition Gantry never deployed: roll back to it all the same, as asked.
      return new Deployment(
          0,
          key,
          wanted,
          List.of(),
          null,
          null,
          null,
          DeployHistory.Kind.DEPLOY,
          null,
          null,
          DeployHistory.Outcome.SUCCEEDED,
          null,
          null,
          null);
    }
    throw new AwsProblem(
        "'"
            + wanted
            + "' is neither a deployment id, run:N nor a task definition"
            + " (family:revision or ARN); nothing was changed");
  }

  private static long number(String text, String whole) throws AwsProblem {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new AwsProblem("'" + whole + "' does not name a run or deployment by number");
    }
  }

  /**
   * Deploys {@code target}'s task definition to the service as a new deployment of kind rollback.
   *
   * @return the outcome; the history row is concluded accordingly, except when not waited for: then
   *     it stays in progress, as Gantry does not know how it ended
   */
  static EcsRollout.Outcome rollBack(
      EcsRollout rollout,
      DeployHistory history,
      ServiceKey key,
      Deployment target,
      Long rollbackOf,
      Origin origin,
      boolean wait,
      Duration timeout,
      Consumer<String> log)
      throws AwsProblem {
    log.accept(
        "Rolling back "
            + key.cluster()
            + "/"
            + key.service()
            + " to "
            + target.taskDefinition()
            + describeOrigin(target));
    long id =
        history.started(
            new DeployHistory.NewDeployment(
                key,
                target.taskDefinition(),
                target.images(),
                origin.runId(),
                // The commit that runs once it is back: the target's (the run that asked for the
                // rollback, and its commit, are the origin's; the run id says which run that was).
                target.sha() != null ? target.sha() : origin.sha(),
                origin.trigger(),
                DeployHistory.Kind.ROLLBACK,
                rollbackOf,
                target.healthCheck(),
                Instant.now()));
    EcsRollout.Outcome outcome;
    try {
      outcome =
          rollout.rollOut(
              key.cluster(),
              key.service(),
              target.taskDefinition(),
              EcsRollout.Update.PLAIN,
              wait,
              timeout);
    } catch (AwsProblem | RuntimeException e) {
      history.finished(id, DeployHistory.Outcome.FAILED, e.getMessage(), Instant.now());
      throw e;
    }
    if (outcome.ending() == EcsRollout.Ending.COMPLETED) {
      String unhealthy = recheck(target, log, rollout::isCancelled);
      if (unhealthy != null) {
        history.finished(id, DeployHistory.Outcome.FAILED, unhealthy, Instant.now());
        return new EcsRollout.Outcome(
            EcsRollout.Ending.FAILED, unhealthy, outcome.primaryTaskDefinition());
      }
      history.finished(id, DeployHistory.Outcome.SUCCEEDED, null, Instant.now());
    } else if (outcome.ending() != EcsRollout.Ending.NOT_WAITED) {
      history.finished(
          id,
          outcome.ending() == EcsRollout.Ending.ROLLED_BACK_BY_ECS
              ? DeployHistory.Outcome.ROLLED_BACK
              : DeployHistory.Outcome.FAILED,
          outcome.message(),
          Instant.now());
    }
    return outcome;
  }

  /**
   * Re-runs the health check recorded on {@code target} (if it has one) once the service runs its
   * task definition again.
   *
   * @return null when it passed or there is none, else why not (one line)
   */
  static String recheck(Deployment target, Consumer<String> log, BooleanSupplier cancelled) {
    if (target.healthCheck() == null || target.healthCheck().isBlank()) {
      log.accept("Deployment " + target.id() + " has no recorded health check: not re-checked");
      return null;
    }
    log.accept(
        "Re-running the health check of deployment "
            + target.id()
            + (target.runId() == null ? "" : " (run " + target.runId() + ")"));
    try {
      HealthCheck.Verdict verdict =
          HealthCheck.check(
              HealthCheckSettings.fromJson(target.healthCheck()),
              new HealthCheck.Probing() {
                @Override
                public void log(String line) {
                  log.accept(line);
                }

                // addMask does nothing: recorded checks hold no credential headers (they are
                // dropped when recorded).

                @Override
                public boolean cancelled() {
                  return cancelled.getAsBoolean();
                }
              });
      return verdict.healthy()
          ? null
          : "the health check of deployment "
              + target.id()
              + " failed after the rollback: "
              + verdict.message();
    } catch (AwsProblem e) {
      return "the health check of deployment " + target.id() + " cannot run: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while re-running the health check of deployment " + target.id();
    }
  }

  /** {@code (deployment 3 from run 7)}. */
  static String describeOrigin(Deployment d) {
    if (d.id() == 0) {
      return "";
    }
    return " (deployment " + d.id() + (d.runId() == null ? "" : " from run " + d.runId()) + ")";
  }

  /** {@code rolled back to web:3 from run 7}. */
  static String rolledBackTo(Deployment d) {
    return "rolled back to "
        + EcsRollout.shortName(d.taskDefinition())
        + (d.runId() != null ? " from run " + d.runId() : " (deployment " + d.id() + ")");
  }
}
