package io.gantry.runner.store;

import java.time.Instant;
import java.util.List;

/**
 * The commit-status outbox (table {@code statuses}): a status is stored first and delivered to its
 * forge later, retried with backoff, so a restart or a forge outage drops none. Written by the
 * server's run events, drained by its outbox thread.
 */
public interface CommitStatuses {

  /** Adds a commit status to the outbox, due at once. */
  long enqueueStatus(NewStatus status);

  /** Undelivered statuses due at {@code now}, oldest first. */
  List<StatusRecord> dueStatuses(Instant now, int limit);

  void statusDelivered(long statusId, Instant at);

  /**
   * Takes the outbox's drainer lease for {@code owner} until the database's now plus {@code lease},
   * unless another owner holds it unexpired: servers sharing the store drain the outbox one at a
   * time, so the statuses of a commit go out once and in order. A drainer that dies loses it when
   * it expires. Expiry is judged on the database's clock, not on {@code now} (the caller's), so a
   * server whose clock runs ahead cannot take a lease still held.
   *
   * @return whether {@code owner} now holds it
   */
  default boolean takeOutbox(String owner, Instant now, java.time.Duration lease) {
    return takeOutbox(owner, now, lease, holder -> false);
  }

  /**
   * As {@link #takeOutbox(String, Instant, java.time.Duration)}, and also taken from a holder that
   * {@code gone} says has died (a process of this machine killed mid-pass), without waiting for its
   * lease to expire.
   */
  boolean takeOutbox(
      String owner,
      Instant now,
      java.time.Duration lease,
      java.util.function.Predicate<String> gone);

  /** Gives the drainer lease back (nothing when {@code owner} does not hold it). */
  void releaseOutbox(String owner);

  /** Records a failed delivery attempt and when to try again (null: give up for good). */
  void statusFailed(long statusId, String error, Instant retryAt);

  /** Every status of a run, delivered or not, oldest first. */
  List<StatusRecord> statusesOf(long runId);

  /** A commit status to report. */
  record NewStatus(
      long runId,
      String repository,
      String sha,
      CommitState state,
      String context,
      String description,
      String targetUrl,
      Instant at) {}

  record StatusRecord(
      long id,
      long runId,
      String repository,
      String sha,
      CommitState state,
      String context,
      String description,
      String targetUrl,
      int attempts,
      String lastError,
      Instant nextAttemptAt,
      Instant deliveredAt) {}
}
