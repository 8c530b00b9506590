package io.gantry.server;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.RunListeners;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.store.CommitState;
import io.gantry.runner.store.RunHistory;

/**
 * Where the server sends a run's events, and what happens when a run ends, in one place.
 *
 * <p>A run the workers execute gets {@link #listenerFor}: the executor's channel has already
 * recorded each event in the run store, then this composite passes the lines to the live log
 * followers ({@link LiveLogs}) and the start and the end to the commit-status outbox ({@link
 * StatusOutbox}). A run that ends without the executor (its workflow is invalid, its process died,
 * Gantry failed to run it, it was cancelled while queued) is concluded in the store by its caller
 * and then passed to {@link #ended}, the same end the executor's runs get.
 */
final class RunEvents {

  private final LiveLogs live;
  private final StatusOutbox statuses;

  RunEvents(LiveLogs live, StatusOutbox statuses) {
    this.live = live;
    this.statuses = statuses;
  }

  /** A run was queued (pushed, dispatched, rerun): a pending status on its commit. */
  void queued(RunHistory.RunRecord run, String description) {
    statuses.enqueue(run, CommitState.PENDING, description);
  }

  /** The listener of a run the workers execute, after the store in the executor's channel. */
  RunListener listenerFor(RunHistory.RunRecord run) {
    RunListener reports =
        new RunListener() {
          @Override
          public void runStarted(long runId, long runNumber, String runName) {
            statuses.enqueue(run, CommitState.PENDING, "running");
          }

          @Override
          public void runFinished(RunResult result) {
            ended(run, result.conclusion(), state(result.conclusion()), describe(result));
          }
        };
    return statuses.withJobStatuses(run, RunListeners.of(live.linesOf(run.id()), reports));
  }

  /**
   * A run ended, and the store already says so: its live followers are told, and its commit gets
   * {@code state} (none when null).
   */
  void ended(
      RunHistory.RunRecord run, Conclusion conclusion, CommitState state, String description) {
    if (state != null) {
      statuses.enqueue(run, state, description);
    }
    live.finished(run.id(), conclusion.label());
  }

  /** The commit status a conclusion reports (a forge knows no cancelled or skipped). */
  static CommitState state(Conclusion conclusion) {
    return switch (conclusion) {
      case SUCCESS -> CommitState.SUCCESS;
      case FAILURE -> CommitState.FAILURE;
      case CANCELLED, SKIPPED -> CommitState.ERROR;
    };
  }

  private static String describe(RunResult result) {
    String base = result.conclusion().label() + " in " + result.duration().toSeconds() + "s";
    return result.jobs().stream()
        .filter(j -> j.message() != null && j.conclusion() != Conclusion.SUCCESS)
        .findFirst()
        .map(j -> base + ": " + j.name() + " " + j.message())
        .orElse(base);
  }
}
