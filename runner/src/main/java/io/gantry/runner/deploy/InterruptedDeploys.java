package io.gantry.runner.deploy;

import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Concludes the deploys a crash interrupted. A deploy is recorded {@code in_progress} before the
 * service is touched and concluded when it ends; when the Gantry process running it dies meanwhile
 * nothing concludes it, and an {@code in_progress} row is never a rollback target nor reported as
 * failed. Once the run that deployed is known to have been interrupted (its lease ran out and the
 * run store marked it so), its {@code in_progress} deploys are marked {@code failed} with the
 * reason {@code interrupted: …}.
 *
 * <p>A deploy not waited for ({@code wait-for-service-stability: false}) stays {@code in_progress}
 * on purpose, as Gantry does not know how it ended: its run ended normally, so the sweep leaves it
 * alone. A deploy with no run (a {@code gantry rollback} of the server's API or CLI) is left alone
 * too: nothing records whether its process is still running.
 */
public final class InterruptedDeploys {

  /** How many in-progress deploys one sweep looks at; the next sweep takes the rest. */
  private static final int BATCH = 500;

  private InterruptedDeploys() {}

  /**
   * Marks failed every {@code in_progress} deploy whose run {@code interrupted} says was
   * interrupted.
   *
   * @param interrupted whether a run (by id) was interrupted: it is no longer running, and its
   *     process died while it ran
   * @return the deploys marked failed, as they were before
   */
  public static List<Deployment> sweep(
      DeployHistory history, LongPredicate interrupted, Instant now) {
    List<Deployment> swept = new ArrayList<>();
    for (Deployment d : history.inProgress(BATCH)) {
      if (d.runId() == null || !interrupted.test(d.runId())) {
        continue;
      }
      history.finished(d.id(), DeployHistory.Outcome.FAILED, reason(d), now);
      swept.add(d);
    }
    return swept;
  }

  /** {@code interrupted: the Gantry process running run 7 stopped during the deploy of …}. */
  static String reason(Deployment d) {
    return "interrupted: the Gantry process running run "
        + d.runId()
        + " stopped during the "
        + (DeployHistory.Kind.ROLLBACK.equals(d.kind()) ? "rollback" : "deploy")
        + " of "
        + EcsRollout.shortName(d.taskDefinition())
        + "; check what "
        + d.service().cluster()
        + "/"
        + d.service().service()
        + " runs (gantry deployments "
        + d.service().service()
        + ") and deploy or roll back again";
  }
}
