package io.gantry.runner.execution;

/**
 * Receives the events of a run as it executes: the seam for consoles, the run store ({@link
 * RunRecorder}), status reporters and live log streams. Every event goes out once, on one channel
 * ({@link RunListeners}); the run store hears it first.
 *
 * <p>Call order: {@code runStarted}, then for each job instance {@code jobQueued} (when its
 * instances are planned), {@code jobStarted}, its steps' {@code stepStarted} / {@code logLine}* /
 * {@code stepFinished}, and {@code jobFinished}; finally {@code runFinished}, exactly once, even
 * when the run is cancelled. Jobs run in parallel, so events of different jobs interleave and
 * arrive on different threads: implementations must be thread-safe. Events of one job arrive in
 * order on one thread. A skipped job gets {@code jobFinished} without {@code jobQueued} or {@code
 * jobStarted}; a queued instance dropped by a cancel or fail-fast gets {@code jobFinished} without
 * {@code jobStarted}; a skipped step gets {@code stepFinished} without {@code stepStarted}.
 *
 * <p>A listener that throws is reported and ignored; it never fails the run.
 */
public interface RunListener {

  /**
   * @param runName the workflow's {@code run-name} evaluated, else its name
   */
  default void runStarted(long runId, long runNumber, String runName) {}

  /** A job instance is planned and waits for a free slot (max-parallel, the job pool). */
  default void jobQueued(String jobKey, String jobName) {}

  default void jobStarted(String jobKey, String jobName) {}

  default void stepStarted(String jobKey, int number, String stepName) {}

  default void logLine(String jobKey, LogLine line) {}

  default void stepFinished(String jobKey, StepResult result) {}

  default void jobFinished(JobResult result) {}

  default void runFinished(RunResult result) {}
}
