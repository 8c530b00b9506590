package io.gantry.runner.execution;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a job instance runs once it is ready (the jobs it needs concluded, its {@code if:} held,
 * its matrix expanded, its needs context computed): on this machine (no dispatcher, the default) or
 * elsewhere — on an agent, through the server's job queue.
 *
 * <p>{@link #run} is called on a thread of its own per job and may block until the job is over. It
 * passes the job's events ({@code jobStarted}, steps, log lines) to {@code listener} as they come,
 * but never {@code jobQueued} or {@code jobFinished}: the run's scheduler sends those. It returns
 * the job's result, never throws for a job that failed, and ends soon with a cancelled result once
 * {@code cancelled} is set.
 */
public interface JobDispatcher {

  /** A job ready to run. {@code labels} are its runs-on labels as evaluated (matrix included). */
  record ReadyJob(
      long runId,
      String jobId,
      String key,
      String name,
      List<String> labels,
      Map<String, Object> matrix,
      Map<String, Object> strategy,
      Map<String, Object> needs) {

    public ReadyJob {
      labels = List.copyOf(labels);
    }
  }

  /** Whether a job with these runs-on labels runs through this dispatcher rather than here. */
  boolean takes(List<String> labels);

  JobResult run(ReadyJob job, RunListener listener, AtomicBoolean cancelled)
      throws InterruptedException;
}
