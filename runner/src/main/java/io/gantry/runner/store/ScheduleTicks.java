package io.gantry.runner.store;

import java.time.Instant;
import java.util.Optional;

/**
 * The ticks of {@code on.schedule} lines that have been taken, so that a tick fires once across
 * every server sharing the store and a restarted server knows where it left off.
 *
 * <p>A schedule is named by repository, workflow file and cron line. {@link #take} is the one place
 * a tick is decided: it inserts the tick's row and says whether this caller inserted it; the caller
 * queues the run only then. Thread-safe; every method commits before it returns.
 */
public interface ScheduleTicks {

  /**
   * The schedule ticks kept in the database of {@code store} (an embedded one from {@link Stores}).
   */
  static ScheduleTicks in(RunStore store) {
    if (store instanceof JdbcRunStore jdbc) {
      return new JdbcScheduleTicks(jdbc.jdbc());
    }
    throw new IllegalArgumentException(
        "schedule ticks need the JDBC run store, got " + store.getClass().getName());
  }

  /**
   * Takes {@code tick} of a schedule.
   *
   * @param fired true for a tick that runs the workflow; false for the mark of when a schedule was
   *     first seen (the ticks before it are not owed)
   * @return true when this call recorded it; false when it was already taken (by another server)
   */
  boolean take(
      String repository,
      String workflowFile,
      String cron,
      Instant tick,
      boolean fired,
      Instant now);

  /** Notes the run a fired tick queued. */
  void ranAs(String repository, String workflowFile, String cron, Instant tick, long runId);

  /** The latest tick taken (fired or first seen) of a schedule; empty when it was never seen. */
  Optional<Instant> last(String repository, String workflowFile, String cron);
}
