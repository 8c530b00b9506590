package io.gantry.runner.execution;

import java.time.Duration;
import java.util.List;

/** A job instance handed to the run's {@link JobDispatcher} instead of running here. */
final class RemoteJob implements JobInstance {

  private final RunContext run;
  private final JobDispatcher.ReadyJob job;

  RemoteJob(RunContext run, JobDispatcher.ReadyJob job) {
    this.run = run;
    this.job = job;
  }

  @Override
  public String key() {
    return job.key();
  }

  @Override
  public String name() {
    return job.name();
  }

  /** It mostly waits for an agent: the job pool's threads are for jobs that run here. */
  @Override
  public boolean ownThread() {
    return true;
  }

  @Override
  public JobResult call() {
    try {
      return run.dispatcher().run(job, run.listener(), run.cancelled());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new JobResult(
          job.key(),
          job.jobId(),
          job.name(),
          job.matrix(),
          Conclusion.CANCELLED,
          java.util.Map.of(),
          List.of(),
          Duration.ZERO,
          "cancelled",
          false);
    }
  }
}
