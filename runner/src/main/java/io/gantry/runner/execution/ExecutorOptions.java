package io.gantry.runner.execution;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The executor's settings, with their defaults in one place.
 *
 * @param dataDir where logs, workspaces and the run store live
 * @param maxParallelJobs job instances run at once (default: the number of cores, at least 2)
 * @param killGracePeriod how long a cancelled or timed-out step gets between SIGTERM and SIGKILL
 *     (default 5 s)
 * @param defaultJobTimeout a job's limit when it sets no {@code timeout-minutes} (default 360
 *     minutes, as GitHub)
 * @param stepLogBytes the most one step's log keeps; past it the step's further output is dropped
 *     with one line saying so, and the step keeps running (default 64 MiB)
 * @param pullTimeout how long pulling a job's or service's image may take before the job fails
 *     (default 10 minutes): a registry that accepts the connection and never answers would hold the
 *     job until its own timeout
 */
public record ExecutorOptions(
    Path dataDir,
    int maxParallelJobs,
    Duration killGracePeriod,
    Duration defaultJobTimeout,
    long stepLogBytes,
    Duration pullTimeout) {

  public static final Duration DEFAULT_KILL_GRACE_PERIOD = Duration.ofSeconds(5);
  public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofHours(6);
  public static final long DEFAULT_STEP_LOG_BYTES = 64L << 20;
  public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(10);

  public ExecutorOptions {
    if (stepLogBytes < 1) {
      throw new IllegalArgumentException("stepLogBytes must be positive, not " + stepLogBytes);
    }
    if (pullTimeout.isNegative() || pullTimeout.isZero()) {
      throw new IllegalArgumentException("pullTimeout must be positive, not " + pullTimeout);
    }
  }

  public static ExecutorOptions defaults(Path dataDir) {
    return new ExecutorOptions(
        dataDir,
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        DEFAULT_KILL_GRACE_PERIOD,
        DEFAULT_JOB_TIMEOUT,
        DEFAULT_STEP_LOG_BYTES,
        DEFAULT_PULL_TIMEOUT);
  }

  public ExecutorOptions withKillGracePeriod(Duration grace) {
    return new ExecutorOptions(
        dataDir, maxParallelJobs, grace, defaultJobTimeout, stepLogBytes, pullTimeout);
  }

  public ExecutorOptions withMaxParallelJobs(int jobs) {
    return new ExecutorOptions(
        dataDir, jobs, killGracePeriod, defaultJobTimeout, stepLogBytes, pullTimeout);
  }

  public ExecutorOptions withStepLogBytes(long bytes) {
    return new ExecutorOptions(
        dataDir, maxParallelJobs, killGracePeriod, defaultJobTimeout, bytes, pullTimeout);
  }

  public ExecutorOptions withPullTimeout(Duration timeout) {
    return new ExecutorOptions(
        dataDir, maxParallelJobs, killGracePeriod, defaultJobTimeout, stepLogBytes, timeout);
  }
}
