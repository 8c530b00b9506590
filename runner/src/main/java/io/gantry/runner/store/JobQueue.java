package io.gantry.runner.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Jobs handed to agents (table job_queue): a run's orchestrator enqueues a job instance that is
 * ready to run; an agent carrying every one of its labels claims it under a lease it renews; the
 * agent's result completes it. A lease that runs out (the agent died) completes it as interrupted.
 * Several servers may share it: a claim locks the row with {@code FOR UPDATE SKIP LOCKED}, so a job
 * goes to exactly one agent. Thread-safe; every method commits before it returns.
 */
public interface JobQueue {

  /** The job queue kept in the database of {@code store} (from {@link Stores}). */
  static JobQueue in(RunStore store) {
    if (store instanceof JdbcRunStore jdbc) {
      return new JdbcJobClaims(jdbc.jdbc());
    }
    throw new IllegalArgumentException(
        "the job queue needs the JDBC run store, got " + store.getClass().getName());
  }

  /**
   * One queued, running or finished job.
   *
   * @param labels the job's runs-on labels, lower case and sorted
   * @param spec the job's ready context as the orchestrator wrote it (JSON)
   * @param result the result as the agent posted it (JSON), or null while not COMPLETED or when
   *     interrupted
   */
  record QueuedJob(
      long id,
      long runId,
      String jobKey,
      String name,
      List<String> labels,
      String spec,
      RunStatus status,
      Long agentId,
      String result,
      boolean interrupted,
      Instant queuedAt,
      Instant startedAt,
      Instant finishedAt) {

    public QueuedJob {
      labels = List.copyOf(labels);
    }
  }

  /** Queues a job; its labels are stored lower case. Returns its id. */
  long enqueue(
      long runId, String jobKey, String name, List<String> labels, String spec, Instant now);

  /**
   * Claims the oldest QUEUED job whose labels are all among {@code agentLabels} (compared in lower
   * case), for the agent, for {@code lease} on the database's clock (servers sharing the store may
   * disagree on the time); {@code now} is only what the job records as its start.
   */
  Optional<QueuedJob> claim(long agentId, List<String> agentLabels, Instant now, Duration lease);

  /**
   * Extends the agent's lease on a job to {@code lease} from now on the database's clock; false
   * when it no longer holds it.
   */
  boolean renew(long jobId, long agentId, Duration lease);

  /**
   * Runs {@code work} with every call it makes on this thread to this store's database (this queue,
   * the run history of the same store) in one transaction: committed when it returns, rolled back
   * when it throws, never retried. A result's replayed rows and its completion so cost one commit.
   */
  void together(Runnable work);

  /** Completes a job the agent holds with its result; false when the agent no longer holds it. */
  boolean complete(long jobId, long agentId, String result, Instant now);

  /** Completes a job that is still QUEUED without a result (its run was cancelled); false else. */
  boolean withdraw(long jobId, Instant now);

  /**
   * Queues again a job that was completed as interrupted (its agent's lease ran out), for {@code
   * server.retry-interrupted}: QUEUED under the same id, with no agent, result or lease; the next
   * agent that carries its labels claims it. False when it is not COMPLETED as interrupted.
   */
  boolean requeue(long jobId, Instant now);

  Optional<QueuedJob> find(long jobId);

  /** Whether the agent holds an IN_PROGRESS job of run {@code runId}: one indexed row, no spec. */
  boolean holdsJobOf(long agentId, long runId);

  /**
   * Which of {@code jobIds} are COMPLETED: one query for every job a server waits on, however many.
   */
  Set<Long> completedAmong(Collection<Long> jobIds);

  /** The QUEUED jobs of a run, oldest first. */
  List<QueuedJob> queuedOf(long runId);

  /** Every job of a run that went through the queue, oldest first. */
  List<QueuedJob> ofRun(long runId);

  /**
   * Whether job {@code jobId} is IN_PROGRESS and its run too: false once either is over (the run
   * concluded, or was interrupted because the server orchestrating it died), when whoever runs the
   * job should stop.
   */
  boolean runInProgress(long jobId);

  /**
   * Keeps a batch of the events of job {@code jobId} (JSON, as its agent posted them) for the
   * server that orchestrates its run, which {@linkplain #takeEvents takes} them: an agent may post
   * to any server. Kept only while {@link #runInProgress}; returns false (nothing kept) otherwise.
   */
  boolean keepEvents(long jobId, String events);

  /** The batches kept for job {@code jobId}, oldest first, deleted as they are returned. */
  List<String> takeEvents(long jobId);

  /**
   * Completes every IN_PROGRESS job whose lease ran out on the database's clock as interrupted, and
   * returns them; {@code now} is only what they record as their end.
   */
  List<QueuedJob> expireLeases(Instant now);
}
