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

  /** The deploy history kept in the same database. */
  DeployHistory deployHistory();

  @Override
  void close();

  // ---- The server's queue (issue 3): deliveries, claims with leases, cancel, reruns, outbox ----

  /**
   * Records a webhook delivery once, and returns when it is on the disk (see {@link #syncToDisk}).
   *
   * @return false, storing nothing, when this forge already sent a delivery with this id
   */
  boolean recordDelivery(Delivery delivery);

  /**
   * Forces everything committed so far, by any caller, from the operating system's cache onto the
   * disk, so that it survives a power loss or an OS crash too (a commit alone survives the
   * process being killed). Blocks until then; concurrent callers share one sync. For a webhook's
   * answer, which promises the forge that the delivery and its runs are kept.
   *
   * @throws StoreException when the sync fails; what was committed may then not be on the disk
   */
  void syncToDisk();

  /**
   * Removes a recorded delivery whose runs could not be created, so that the forge's redelivery
   * is processed instead of ignored as a duplicate.
   */
  void forgetDelivery(String forge, String deliveryId);

  /** What a worker needs to execute a queued run, and a rerun to repeat it. Empty if unknown. */
  Optional<RunDetails> details(long runId);

  /**
   * Claims the oldest QUEUED run that may start, atomically (several processes may call it at
   * once): a run whose concurrency group has another run IN_PROGRESS, or an older QUEUED run, waits.
   * The claimed run becomes IN_PROGRESS with a lease held by {@code owner} until {@code now +
   * lease}.
   */
  Optional<RunRecord> claimNext(String owner, Instant now, java.time.Duration lease);

  /** Extends a lease; false when the owner no longer holds it (it expired and was taken). */
  boolean renewLease(long runId, String owner, Instant until);

  /**
   * Concludes every IN_PROGRESS run whose lease ran out before {@code now} (its process died) as
   * COMPLETED with conclusion failure and marks it interrupted; returns those runs.
   */
  List<RunRecord> expireLeases(Instant now);

  /** Why a QUEUED run has not started (shown by the API); null clears it. */
  void setWaitingReason(long runId, String reason);

  /**
   * Asks a run to stop. A QUEUED run is concluded {@code cancelled} at once; an IN_PROGRESS one
   * is flagged for its worker to see through {@link #cancelRequested}. Returns the run as it is
   * afterwards.
   */
  RunRecord requestCancel(long runId, Instant now);

  boolean cancelRequested(long runId);

  /** Runs matching the filter (null fields match all), newest first. */
  List<RunRecord> listRuns(RunFilter filter);

  /**
   * A new QUEUED attempt of a run: same repository, workflow source, event, ref, sha, payload and
   * inputs; the same run number; attempt one above the highest attempt of that run number.
   */
  default RunRecord createRerun(long runId, String trigger, Instant now) {
    return createRerun(runId, trigger, now, false);
  }

  /**
   * As {@link #createRerun(long, String, Instant)}; with {@code failedOnly} the new attempt runs
   * only the jobs that did not pass in {@code runId} and their dependents, reusing the results of
   * the others (see {@link RunDetails#failedOnly}).
   */
  RunRecord createRerun(long runId, String trigger, Instant now, boolean failedOnly);

  /** Adds a commit status to the outbox, due at once. */
  long enqueueStatus(NewStatus status);

  /** Undelivered statuses due at {@code now}, oldest first. */
  List<StatusRecord> dueStatuses(Instant now, int limit);

  void statusDelivered(long statusId, Instant at);

  /** Records a failed delivery attempt and when to try again (null: give up for good). */
  void statusFailed(long statusId, String error, Instant retryAt);

  /** Every status of a run, delivered or not, oldest first. */
  List<StatusRecord> statusesOf(long runId);

  /**
   * One page of a listing of runs, newest first (by id): those matching the query with an id
   * below {@code query.beforeId()}. Keyset pagination: a page stays the same while new runs
   * arrive above it, and reading page 100 costs what page 1 does.
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

  record Delivery(
      String forge, String deliveryId, String repository, String event, Instant receivedAt) {}

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

  record RunFilter(String repository, String branch, String status, int limit) {}

  /** A commit status to report: forge-neutral state {@code pending|success|failure|error}. */
  record NewStatus(
      long runId,
      String repository,
      String sha,
      String state,
      String context,
      String description,
      String targetUrl,
      Instant at) {}

  record StatusRecord(
      long id,
      long runId,
      String repository,
      String sha,
      String state,
      String context,
      String description,
      String targetUrl,
      int attempts,
      String lastError,
      Instant nextAttemptAt,
      Instant deliveredAt) {}

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
