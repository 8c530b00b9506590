package io.gantry.runner.store;

import static io.gantry.runner.store.StoreRows.DETAIL_COLUMNS;
import static io.gantry.runner.store.StoreRows.RUN_COLUMNS;

import io.gantry.runner.store.RunHistory.RunDetails;
import io.gantry.runner.store.RunHistory.RunRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** The run queue over JDBC: claims with leases, cancels and reruns, on table {@code runs}. */
final class JdbcRunClaims implements RunClaims {

  private static final String QUEUED = RunStatus.QUEUED.name();
  private static final String IN_PROGRESS = RunStatus.IN_PROGRESS.name();
  private static final String COMPLETED = RunStatus.COMPLETED.name();

  /**
   * Whether run {@code r} may start as far as its concurrency group goes: it has none, or no other
   * run of its group (in its repository, as GitHub scopes groups) is IN_PROGRESS and none older is
   * QUEUED, so a group's runs start one at a time, oldest first, none skipped.
   */
  private static final String GROUP_IS_FREE =
      "(r.concurrency_group IS NULL OR NOT EXISTS (SELECT 1 FROM runs o"
          + " WHERE o.concurrency_group = r.concurrency_group AND o.repository = r.repository"
          + " AND o.id <> r.id"
          + " AND (o.status = 'IN_PROGRESS' OR (o.status = 'QUEUED' AND o.id < r.id))))";

  private final Jdbc jdbc;

  JdbcRunClaims(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Finds the oldest claimable run without locking, then locks its row and takes it only if it is
   * still QUEUED and still free to start: a concurrent claimer (of this or another process) that
   * took it first makes the conditional update change nothing, and the next candidate is tried.
   */
  @Override
  public Optional<RunRecord> claimNext(String owner, Instant now, Duration lease) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    requirePositive(lease);
    long leaseMillis = lease.toMillis();
    String until = jdbc.dialect().nowPlusMillis();
    return jdbc.inTransaction(
        connection -> {
          Set<Long> tried = new HashSet<>();
          while (true) {
            Long candidate = null;
            // One more than tried: a candidate that was passed over may still be listed.
            for (long id : claimCandidates(connection, tried.size() + 1)) {
              if (tried.add(id)) {
                candidate = id;
                break;
              }
            }
            if (candidate == null) {
              return Optional.empty();
            }
            if (lockQueued(connection, candidate)
                && mayStart(connection, candidate)
                && markClaimed(connection, candidate, owner, now, until, leaseMillis)) {
              return Optional.of(StoreRows.readRun(connection, candidate));
            }
          }
        });
  }

  /** The oldest QUEUED runs first, leaving out those that wait for their concurrency group. */
  private static List<Long> claimCandidates(Connection connection, int count) throws SQLException {
    return Jdbc.list(
        connection,
        "SELECT r.id FROM runs r WHERE r.status = 'QUEUED' AND "
            + GROUP_IS_FREE
            + " ORDER BY r.id FETCH FIRST ? ROWS ONLY",
        s -> s.setInt(1, count),
        rows -> rows.getLong(1));
  }

  /**
   * Locks the run's row until the transaction ends; false when it is no longer QUEUED, or when
   * another claimer (of this or another server) holds its lock: SKIP LOCKED moves on to the next
   * candidate instead of waiting for that claimer to commit.
   */
  private static boolean lockQueued(Connection connection, long id) throws SQLException {
    return Jdbc.first(
            connection,
            "SELECT id FROM runs WHERE id = ? AND status = 'QUEUED' FOR UPDATE SKIP LOCKED",
            s -> s.setLong(1, id),
            rows -> true)
        .isPresent();
  }

  /** Checks the group again once the row is locked, against what others committed meanwhile. */
  private static boolean mayStart(Connection connection, long id) throws SQLException {
    return Jdbc.first(
            connection,
            "SELECT 1 FROM runs r WHERE r.id = ? AND " + GROUP_IS_FREE,
            s -> s.setLong(1, id),
            rows -> true)
        .isPresent();
  }

  /** The lease runs until the database's now plus {@code leaseMillis} ({@code until}). */
  private static boolean markClaimed(
      Connection connection, long id, String owner, Instant now, String until, long leaseMillis)
      throws SQLException {
    return Jdbc.update(
            connection,
            "UPDATE runs SET status = ?, started_at = ?, lease_owner = ?, lease_expires_at = "
                + until
                + ", waiting_reason = NULL WHERE id = ? AND status = ?",
            s -> {
              s.setString(1, IN_PROGRESS);
              SqlTimes.set(s, 2, now);
              s.setString(3, owner);
              s.setLong(4, leaseMillis);
              s.setLong(5, id);
              s.setString(6, QUEUED);
            })
        == 1;
  }

  @Override
  public boolean renewLease(long runId, String owner, Instant until) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(until, "until");
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    "UPDATE runs SET lease_expires_at = ?"
                        + " WHERE id = ? AND lease_owner = ? AND status = ?",
                    s -> {
                      SqlTimes.set(s, 1, until);
                      s.setLong(2, runId);
                      s.setString(3, owner);
                      s.setString(4, IN_PROGRESS);
                    })
                == 1);
  }

  @Override
  public boolean renewLease(long runId, String owner, Duration lease) {
    Objects.requireNonNull(owner, "owner");
    requirePositive(lease);
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    "UPDATE runs SET lease_expires_at = "
                        + jdbc.dialect().nowPlusMillis()
                        + " WHERE id = ? AND lease_owner = ? AND status = ?",
                    s -> {
                      s.setLong(1, lease.toMillis());
                      s.setLong(2, runId);
                      s.setString(3, owner);
                      s.setString(4, IN_PROGRESS);
                    })
                == 1);
  }

  private static void requirePositive(Duration lease) {
    Objects.requireNonNull(lease, "lease");
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, not " + lease);
    }
  }

  /** Compares with the database's clock; {@code now} is only what the runs record as their end. */
  @Override
  public List<RunRecord> expireLeases(Instant now) {
    Objects.requireNonNull(now, "now");
    return jdbc.inTransaction(
        connection -> {
          List<Long> expired =
              Jdbc.list(
                  connection,
                  "SELECT id FROM runs WHERE status = ? AND lease_expires_at < CURRENT_TIMESTAMP"
                      + " ORDER BY id",
                  s -> s.setString(1, IN_PROGRESS),
                  rows -> rows.getLong(1));
          List<RunRecord> runs = new ArrayList<>();
          for (long id : expired) {
            // Only the runs this call concludes: a lease renewed meanwhile, or another process
            // expiring the same run first, leaves it alone, so each is reported once.
            if (expire(connection, id, now)) {
              runs.add(StoreRows.readRun(connection, id));
            }
          }
          return List.copyOf(runs);
        });
  }

  private static boolean expire(Connection connection, long id, Instant now) throws SQLException {
    int expired =
        Jdbc.update(
            connection,
            "UPDATE runs SET status = ?, conclusion = 'failure', interrupted = TRUE,"
                + " finished_at = ? WHERE id = ? AND status = ?"
                + " AND lease_expires_at < CURRENT_TIMESTAMP",
            s -> {
              s.setString(1, COMPLETED);
              SqlTimes.set(s, 2, now);
              s.setLong(3, id);
              s.setString(4, IN_PROGRESS);
            });
    if (expired == 0) {
      return false;
    }
    Jdbc.update(
        connection,
        "UPDATE steps SET status = ?, outcome = 'failure', conclusion = 'failure',"
            + " finished_at = ? WHERE status = ?"
            + " AND job_id IN (SELECT id FROM jobs WHERE run_id = ?)",
        s -> {
          s.setString(1, COMPLETED);
          SqlTimes.set(s, 2, now);
          s.setString(3, IN_PROGRESS);
          s.setLong(4, id);
        });
    Jdbc.update(
        connection,
        "UPDATE jobs SET status = ?, conclusion = 'failure', finished_at = ?"
            + " WHERE run_id = ? AND status IN (?, ?)",
        s -> {
          s.setString(1, COMPLETED);
          SqlTimes.set(s, 2, now);
          s.setLong(3, id);
          s.setString(4, QUEUED);
          s.setString(5, IN_PROGRESS);
        });
    // Its jobs still queued for agents go with it (none takes them after), and the events kept
    // for its orchestrator, which is gone (an agent running one of its jobs is told to stop).
    Jdbc.update(
        connection,
        "UPDATE job_queue SET status = ?, finished_at = ? WHERE run_id = ? AND status = ?",
        s -> {
          s.setString(1, COMPLETED);
          SqlTimes.set(s, 2, now);
          s.setLong(3, id);
          s.setString(4, QUEUED);
        });
    Jdbc.update(
        connection,
        "DELETE FROM job_events WHERE job_id IN (SELECT id FROM job_queue WHERE run_id = ?)",
        s -> s.setLong(1, id));
    return true;
  }

  @Override
  public void setWaitingReason(long runId, String reason) {
    jdbc.update(
        "run",
        runId,
        "UPDATE runs SET waiting_reason = ? WHERE id = ?",
        s -> {
          s.setString(1, reason);
          s.setLong(2, runId);
        });
  }

  @Override
  public RunRecord requestCancel(long runId, Instant now) {
    Objects.requireNonNull(now, "now");
    return jdbc.inTransaction(
        connection -> {
          String status =
              Jdbc.first(
                      connection,
                      "SELECT status FROM runs WHERE id = ? FOR UPDATE",
                      s -> s.setLong(1, runId),
                      rows -> rows.getString(1))
                  .orElseThrow(() -> Jdbc.unknown("run", runId));
          if (QUEUED.equals(status)) {
            Jdbc.update(
                connection,
                "UPDATE runs SET status = ?, conclusion = 'cancelled', finished_at = ?,"
                    + " waiting_reason = NULL WHERE id = ?",
                s -> {
                  s.setString(1, COMPLETED);
                  SqlTimes.set(s, 2, now);
                  s.setLong(3, runId);
                });
          } else if (IN_PROGRESS.equals(status)) {
            Jdbc.update(
                connection,
                "UPDATE runs SET cancel_requested = TRUE WHERE id = ?",
                s -> s.setLong(1, runId));
          }
          return StoreRows.readRun(connection, runId);
        });
  }

  @Override
  public boolean cancelRequested(long runId) {
    return jdbc.first(
            "SELECT cancel_requested FROM runs WHERE id = ?",
            s -> s.setLong(1, runId),
            rows -> rows.getBoolean(1))
        .orElseThrow(() -> Jdbc.unknown("run", runId));
  }

  @Override
  public RunRecord createRerun(long runId, String trigger, Instant now, boolean failedOnly) {
    Objects.requireNonNull(now, "now");
    Instant createdAt = SqlTimes.toStored(now);
    return jdbc.inTransaction(
        connection -> {
          RunDetails original =
              Jdbc.first(
                      connection,
                      "SELECT " + RUN_COLUMNS + ", " + DETAIL_COLUMNS + " FROM runs WHERE id = ?",
                      s -> s.setLong(1, runId),
                      StoreRows::runDetails)
                  .orElseThrow(() -> Jdbc.unknown("run", runId));
          RunRecord run = original.run();
          // Two reruns racing to the same attempt collide on runs_number; the loser's
          // transaction is tried again and finds the next attempt.
          int attempt =
              Jdbc.first(
                          connection,
                          "SELECT MAX(attempt) FROM runs"
                              + " WHERE repository = ? AND workflow_file = ? AND run_number = ?",
                          s -> {
                            s.setString(1, run.repository());
                            s.setString(2, run.workflowFile());
                            s.setLong(3, run.runNumber());
                          },
                          rows -> rows.getInt(1))
                      .orElse(0)
                  + 1;
          long id =
              Jdbc.insert(
                  connection,
                  null,
                  0,
                  "INSERT INTO runs (repository, workflow_file, workflow_name, workflow_source,"
                      + " event, ref, sha, inputs, trigger, run_number, attempt, status,"
                      + " created_at, event_payload, concurrency_group, cancel_in_progress,"
                      + " rerun_of, failed_only)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  insert -> {
                    insert.setString(1, run.repository());
                    insert.setString(2, run.workflowFile());
                    insert.setString(3, run.workflowName());
                    insert.setString(4, original.workflowSource());
                    insert.setString(5, run.event());
                    insert.setString(6, run.ref());
                    insert.setString(7, run.sha());
                    insert.setString(8, JsonMaps.write(original.inputs()));
                    insert.setString(9, trigger);
                    insert.setLong(10, run.runNumber());
                    insert.setInt(11, attempt);
                    insert.setString(12, QUEUED);
                    SqlTimes.set(insert, 13, createdAt);
                    insert.setString(14, original.eventPayload());
                    insert.setString(15, original.concurrencyGroup());
                    insert.setBoolean(16, original.cancelInProgress());
                    insert.setLong(17, runId);
                    insert.setBoolean(18, failedOnly);
                  });
          return new RunRecord(
              id,
              run.runNumber(),
              attempt,
              run.repository(),
              run.workflowFile(),
              run.workflowName(),
              run.event(),
              run.ref(),
              run.sha(),
              RunStatus.QUEUED,
              null,
              createdAt,
              null,
              null);
        });
  }
}
