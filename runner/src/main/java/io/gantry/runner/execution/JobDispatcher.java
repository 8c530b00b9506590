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

  /**
   * A job ready to run. {@code labels} are its runs-on labels as evaluated (matrix included).
   * {@code call} is empty for a job of the run's own workflow; for a job of a called (reusable)
   * workflow it says which ({@link WorkflowCalls}): its text, inputs, and how its secrets come from
   * the run's.
   */
  record ReadyJob(
      long runId,
      String jobId,
      String key,
      String name,
      List<String> labels,
      Map<String, Object> matrix,
      Map<String, Object> strategy,
      Map<String, Object> needs,
      Map<String, Object> call) {

    public ReadyJob {
      labels = List.copyOf(labels);
      call = call == null ? Map.of() : java.util.Collections.unmodifiableMap(call);
    }

    /** A job of the run's own workflow. */
    public ReadyJob(
        long runId,
        String jobId,
        String key,
        String name,
        List<String> labels,
        Map<String, Object> matrix,
        Map<String, Object> strategy,
        Map<String, Object> needs) {
      this(runId, jobId, key, name, labels, matrix, strategy, needs, Map.of());
    }

    /** The same job, of the called workflow {@code call} describes. */
    public ReadyJob withCall(Map<String, Object> call) {
      return new ReadyJob(runId, jobId, key, name, labels, matrix, strategy, needs, call);
    }
  }

  /** Whether a job with these runs-on labels runs through this dispatcher rather than here. */
  boolean takes(List<String> labels);

  JobResult run(ReadyJob job, RunListener listener, AtomicBoolean cancelled)
      throws InterruptedException;
}
