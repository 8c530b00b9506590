package io.gantry.runner.store;

import io.gantry.runner.store.RunHistory.RunDetails;
import io.gantry.runner.store.RunHistory.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The server's run queue: claims with leases, cancel requests and reruns, on the {@code runs}
 * table's queue columns (lease owner and expiry, waiting reason, cancel flag). Used by the server's
 * workers, its lease sweeper and its API; several processes may share it.
 */
public interface RunClaims {

  /**
   * Claims the oldest QUEUED run that may start, atomically (several processes may call it at
   * once): a run whose concurrency group has another run IN_PROGRESS, or an older QUEUED run,
   * waits. The claimed run becomes IN_PROGRESS (started at {@code now}) with a lease held by {@code
   * owner} until the database's now plus {@code lease}.
   */
  Optional<RunRecord> claimNext(String owner, Instant now, Duration lease);

  /**
   * Extends a lease to {@code until} on the caller's clock; false when the owner no longer holds it
   * (it expired and was taken). Servers renew with {@link #renewLease(long, String, Duration)}, on
   * the database's clock.
   */
  boolean renewLease(long runId, String owner, Instant until);

  /**
   * Extends a lease to the database's now plus {@code lease}; false when the owner no longer holds
   * it (it expired and was taken).
   */
  boolean renewLease(long runId, String owner, Duration lease);

  /**
   * Concludes every IN_PROGRESS run whose lease ran out (its process died) as COMPLETED with
   * conclusion failure and marks it interrupted; returns those runs. Leases are compared with the
   * database's clock, so a server whose clock runs ahead cannot take a lease still held; {@code
   * now} is what the runs record as their end.
   */
  List<RunRecord> expireLeases(Instant now);

  /** Why a QUEUED run has not started (shown by the API); null clears it. */
  void setWaitingReason(long runId, String reason);

  /**
   * Asks a run to stop. A QUEUED run is concluded {@code cancelled} at once; an IN_PROGRESS one is
   * flagged for its worker to see through {@link #cancelRequested}. Returns the run as it is
   * afterwards.
   */
  RunRecord requestCancel(long runId, Instant now);

  boolean cancelRequested(long runId);

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
}
