package io.gantry.server.agent;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.log.LogStore;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code server.retry-interrupted} for jobs on agents: what {@link AgentDispatcher} needs to run a
 * job again whose agent stopped answering. The job keeps its one row in the run (its per-job status
 * is reported once, when it ends); the interrupted attempt's steps end as failed with their log
 * lines kept, and the next attempt's steps follow them in the same step logs, after a line saying
 * why.
 */
final class InterruptedJobs {

  private InterruptedJobs() {}

  /** One waiter's attempts: which it is, and the steps of the current one still open. */
  static final class Attempt {
    private int number = 1;
    private boolean started;
    private final Map<Integer, String> open = new LinkedHashMap<>();

    /** 1 for the first attempt. */
    synchronized int number() {
      return number;
    }

    /** True the first time an attempt of the job starts, false after (a re-run's start). */
    synchronized boolean firstStart() {
      boolean first = !started;
      started = true;
      return first;
    }

    synchronized void stepStarted(int step, String name) {
      open.put(step, name);
    }

    synchronized void stepFinished(int step) {
      open.remove(step);
    }

    /** Ends this attempt: its open steps, which the caller concludes, and the next's number. */
    private synchronized Map<Integer, String> next() {
      Map<Integer, String> left = new LinkedHashMap<>(open);
      open.clear();
      number++;
      return left;
    }
  }

  /**
   * Ends an interrupted attempt of {@code job} before it is queued again: its open steps fail (the
   * run's store and listeners see them end), and the run's log says it runs again.
   */
  static void closeAttempt(
      JobDispatcher.ReadyJob job,
      RunListener listener,
      Attempt attempt,
      int retries,
      LogStore logs) {
    Map<Integer, String> open = attempt.next();
    String why = "interrupted: its agent stopped answering (lease expired)";
    open.forEach(
        (number, name) ->
            listener.stepFinished(
                job.key(),
                new StepResult(
                    number,
                    null,
                    name,
                    Conclusion.FAILURE,
                    Conclusion.FAILURE,
                    Map.of(),
                    Duration.ZERO,
                    why)));
    String line =
        Instant.now()
            + " [gantry] running job '"
            + job.name()
            + "' again: attempt "
            + attempt.number()
            + " of "
            + (retries + 1)
            + " (server.retry-interrupted: "
            + retries
            + ")";
    // In the interrupted steps' own logs, between the two attempts' lines, and after the job's.
    for (int number : open.keySet()) {
      try (LogStore.StepLogFile log = logs.open(job.runId(), job.key(), number)) {
        log.append(line);
      }
    }
    try (LogStore.StepLogFile log = logs.open(job.runId(), job.key(), 999)) {
      log.append(line);
    }
    logs.appendToJournal(job.runId(), line);
  }
}
