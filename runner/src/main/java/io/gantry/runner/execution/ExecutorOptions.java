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
 */
public record ExecutorOptions(
    Path dataDir, int maxParallelJobs, Duration killGracePeriod, Duration defaultJobTimeout) {

  public static final Duration DEFAULT_KILL_GRACE_PERIOD = Duration.ofSeconds(5);
  public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofHours(6);

  public static ExecutorOptions defaults(Path dataDir) {
    return new ExecutorOptions(
        dataDir,
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        DEFAULT_KILL_GRACE_PERIOD,
        DEFAULT_JOB_TIMEOUT);
  }

  public ExecutorOptions withKillGracePeriod(Duration grace) {
    return new ExecutorOptions(dataDir, maxParallelJobs, grace, defaultJobTimeout);
  }

  public ExecutorOptions withMaxParallelJobs(int jobs) {
    return new ExecutorOptions(dataDir, jobs, killGracePeriod, defaultJobTimeout);
  }
}
