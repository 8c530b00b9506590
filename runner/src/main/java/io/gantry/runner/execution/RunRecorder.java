package io.gantry.runner.execution;

import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run store as a listener: the first of the run's listeners, so every other listener (live
 * logs, the commit-status outbox) hears of a state only once the store holds it. It is the one
 * listener whose failure is not shielded: a store that cannot record the run fails it, as it did
 * when the executor called the store itself.
 *
 * <p>It keeps the store's ids of the run's jobs and steps, keyed by job key and step number, since
 * the events name jobs and steps as the workflow does.
 */
final class RunRecorder implements RunListener {

  private final RunHistory store;
  private final long runId;
  private final Map<String, Long> jobIds = new ConcurrentHashMap<>();
  private final Map<String, Long> stepIds = new ConcurrentHashMap<>();

  RunRecorder(RunHistory store, long runId) {
    this.store = store;
    this.runId = runId;
  }

  @Override
  public void runStarted(long runId, long runNumber, String runName) {
    store.runStarted(this.runId, Instant.now());
  }

  @Override
  public void jobQueued(String jobKey, String jobName) {
    jobIds.put(jobKey, store.createJob(runId, jobKey, jobName));
  }

  @Override
  public void jobStarted(String jobKey, String jobName) {
    store.jobStarted(jobId(jobKey, jobName), Instant.now());
  }

  @Override
  public void stepStarted(String jobKey, int number, String stepName) {
    long stepId = store.stepStarted(jobIds.get(jobKey), number, stepName, Instant.now());
    stepIds.put(jobKey + '#' + number, stepId);
  }

  @Override
  public void stepFinished(String jobKey, StepResult result) {
    Instant now = Instant.now();
    Long stepId = stepIds.remove(jobKey + '#' + result.number());
    if (stepId == null) {
      // A skipped step is finished without being started.
      stepId = store.stepStarted(jobIds.get(jobKey), result.number(), result.name(), now);
    }
    store.stepFinished(
        stepId, stored(result.outcome()), stored(result.conclusion()), result.outputs(), now);
  }

  @Override
  public void jobFinished(JobResult result) {
    long jobId = jobId(result.key(), result.name());
    store.jobFinished(jobId, stored(result.conclusion()), result.outputs(), Instant.now());
  }

  @Override
  public void runFinished(RunResult result) {
    store.runFinished(runId, stored(result.conclusion()), Instant.now());
  }

  /**
   * A job concluded without being queued (skipped, or failed before any instance) gets its row now.
   */
  private long jobId(String jobKey, String jobName) {
    return jobIds.computeIfAbsent(jobKey, key -> store.createJob(runId, key, jobName));
  }

  /** The store's name for a conclusion (the same four, which the store package cannot import). */
  static Result stored(Conclusion conclusion) {
    return Result.valueOf(conclusion.name());
  }
}
