package io.gantry.runner.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Durable record of runs, their jobs and steps: status, conclusion, timings and outputs.
 *
 * <p>Thread-safe: the executor calls it from several job threads at once. Every method commits
 * before returning, so what it was told survives a crash of the process.
 */
public interface RunStore extends AutoCloseable {

  /**
   * Records a new run as QUEUED and gives it an id and, per workflow file of the repository, the
   * next run number.
   */
  RunRecord createRun(NewRun run);

  void runStarted(long runId, Instant at);

  /** @param conclusion success, failure, cancelled or skipped */
  void runFinished(long runId, String conclusion, Instant at);

  /** Records a job (one per matrix combination) as QUEUED; returns its id. */
  long createJob(long runId, String jobKey, String name);

  void jobStarted(long jobId, Instant at);

  void jobFinished(long jobId, String conclusion, Map<String, String> outputs, Instant at);

  /** Records a step as started; returns its id. */
  long stepStarted(long jobId, int number, String name, Instant at);

  /**
   * @param outcome the result before continue-on-error
   * @param conclusion the result after continue-on-error
   */
  void stepFinished(
      long stepId, String outcome, String conclusion, Map<String, String> outputs, Instant at);

  Optional<RunRecord> findRun(long runId);

  /** Newest first. */
  List<RunRecord> listRuns(int limit);

  List<JobRecord> jobsOf(long runId);

  List<StepRecord> stepsOf(long jobId);

  @Override
  void close();

  /** What is known of a run before it starts. */
  record NewRun(
      String repository,
      String workflowFile,
      String workflowName,
      String workflowSource,
      String event,
      String ref,
      String sha,
      Map<String, String> inputs,
      String trigger) {}

  record RunRecord(
      long id,
      long runNumber,
      int attempt,
      String repository,
      String workflowFile,
      String workflowName,
      String event,
      String ref,
      String sha,
      String status,
      String conclusion,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt) {}

  record JobRecord(
      long id,
      long runId,
      String jobKey,
      String name,
      String status,
      String conclusion,
      Map<String, String> outputs,
      Instant startedAt,
      Instant finishedAt) {}

  record StepRecord(
      long id,
      long jobId,
      int number,
      String name,
      String status,
      String outcome,
      String conclusion,
      Map<String, String> outputs,
      Instant startedAt,
      Instant finishedAt) {}
}
