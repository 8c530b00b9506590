package io.gantry.runner.execution;

/**
 * Receives the events of a run as it executes: the seam for consoles, stores, status reporters
 * and live log streams.
 *
 * <p>Call order: {@code runStarted}, then for each job instance {@code jobStarted}, its steps'
 * {@code stepStarted} / {@code logLine}* / {@code stepFinished}, and {@code jobFinished}; finally
 * {@code runFinished}, exactly once, even when the run is cancelled. Jobs run in parallel, so
 * events of different jobs interleave and arrive on different threads: implementations must be
 * thread-safe. Events of one job arrive in order on one thread. A skipped job gets {@code
 * jobFinished} without {@code jobStarted}.
 *
 * <p>A listener that throws is reported and ignored; it never fails the run.
 */
public interface RunListener {

  /** @param runName the workflow's {@code run-name} evaluated, else its name */
  default void runStarted(long runId, long runNumber, String runName) {}

  default void jobStarted(String jobKey, String jobName) {}

  default void stepStarted(String jobKey, int number, String stepName) {}

  default void logLine(String jobKey, LogLine line) {}

  default void stepFinished(String jobKey, StepResult result) {}

  default void jobFinished(JobResult result) {}

  default void runFinished(RunResult result) {}
}
