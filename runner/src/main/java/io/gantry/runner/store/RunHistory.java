package io.gantry.runner.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run history: runs, their jobs and steps, with status, conclusion, timings and outputs (tables
 * {@code runs}, {@code run_counters}, {@code jobs}, {@code steps}). Written by the executor's
 * {@code RunRecorder} as the run's events go by, read by the API, the CLI and reruns.
 *
 * <p>Thread-safe: the executor calls it from several job threads at once. Every method commits
 * before returning, so what it was told survives a crash of the process.
 */
public interface RunHistory {

  /**
   * Records a new run as QUEUED and gives it an id and, per workflow file of the repository, the
   * next run number.
   */
  RunRecord createRun(NewRun run);

  void runStarted(long runId, Instant at);

  void runFinished(long runId, Result conclusion, Instant at);

  /** Records a job (one per matrix combination) as QUEUED; returns its id. */
  long createJob(long runId, String jobKey, String name);

  void jobStarted(long jobId, Instant at);

  void jobFinished(long jobId, Result conclusion, Map<String, String> outputs, Instant at);

  /** Records a step as started; returns its id. */
  long stepStarted(long jobId, int number, String name, Instant at);

  /**
   * @param outcome the result before continue-on-error
   * @param conclusion the result after continue-on-error
   */
  void stepFinished(
      long stepId, Result outcome, Result conclusion, Map<String, String> outputs, Instant at);

  Optional<RunRecord> findRun(long runId);

  /** Newest first. */
  List<RunRecord> listRuns(int limit);

  /** Runs matching the filter (null fields match all), newest first. */
  List<RunRecord> listRuns(RunFilter filter);

  List<JobRecord> jobsOf(long runId);

  List<StepRecord> stepsOf(long jobId);

  /** What a worker needs to execute a queued run, and a rerun to repeat it. Empty if unknown. */
  Optional<RunDetails> details(long runId);

  /**
   * @param eventPayload the event as JSON text
   * @param concurrencyGroup the evaluated {@code concurrency.group}, or null
   * @param rerunOf the run this one repeats, or null
   * @param interrupted the run's lease expired: its process died while it ran
   * @param failedOnly a rerun of the failed jobs of {@code rerunOf} only
   */
  record RunDetails(
      RunRecord run,
      String workflowSource,
      String eventPayload,
      Map<String, String> inputs,
      String trigger,
      String concurrencyGroup,
      boolean cancelInProgress,
      Long rerunOf,
      String waitingReason,
      String leaseOwner,
      Instant leaseExpiresAt,
      boolean cancelRequested,
      boolean interrupted,
      boolean failedOnly) {}

  /**
   * One page of a listing of runs, newest first (by id): those matching the query with an id below
   * {@code query.beforeId()}. Keyset pagination: a page stays the same while new runs arrive above
   * it, and reading page 100 costs what page 1 does.
   */
  List<RunSummary> page(RunQuery query);

  /**
   * What a listing filters on; null fields match all.
   *
   * @param workflow the workflow's name, or its file ({@code ci.yml} or the full path)
   * @param status QUEUED, IN_PROGRESS, COMPLETED, or a conclusion (success, failure, ...)
   * @param beforeId only runs with a smaller id (the last id of the previous page), or null
   * @param limit at most this many (1 to 500)
   */
  record RunQuery(
      String repository,
      String branch,
      String workflow,
      String status,
      String event,
      Long beforeId,
      int limit) {}

  /**
   * A run as a listing shows it.
   *
   * @param trigger who or what started it, e.g. {@code push by dev (delivery …)}
   * @param eventPayload the event as JSON text, or null for runs stored before payloads were
   */
  record RunSummary(RunRecord run, String trigger, String eventPayload) {}

  record RunFilter(String repository, String branch, String status, int limit) {}

  /**
   * What is known of a run before it starts.
   *
   * @param eventPayload the event as JSON text
   * @param concurrencyGroup the evaluated {@code concurrency.group}, or null for none
   * @param cancelInProgress whether this run cancels older runs of its group
   */
  record NewRun(
      String repository,
      String workflowFile,
      String workflowName,
      String workflowSource,
      String event,
      String ref,
      String sha,
      Map<String, String> inputs,
      String trigger,
      String eventPayload,
      String concurrencyGroup,
      boolean cancelInProgress) {}

  /**
   * A run as stored; the store maps its status columns to values (see {@code StoreRows}).
   *
   * @param conclusion null until the run is COMPLETED
   */
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
      RunStatus status,
      Result conclusion,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt) {}

  /** A job as stored; {@code conclusion} is null until it is COMPLETED. */
  record JobRecord(
      long id,
      long runId,
      String jobKey,
      String name,
      RunStatus status,
      Result conclusion,
      Map<String, String> outputs,
      Instant startedAt,
      Instant finishedAt) {}

  /**
   * A step as stored.
   *
   * @param outcome the result before continue-on-error, null until it is COMPLETED
   * @param conclusion the result after continue-on-error, null until it is COMPLETED
   */
  record StepRecord(
      long id,
      long jobId,
      int number,
      String name,
      RunStatus status,
      Result outcome,
      Result conclusion,
      Map<String, String> outputs,
      Instant startedAt,
      Instant finishedAt) {}
}
