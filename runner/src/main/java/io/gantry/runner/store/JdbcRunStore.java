package io.gantry.runner.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.h2.api.ErrorCode;

/** The run store over plain JDBC: one pooled connection and one transaction per call. */
final class JdbcRunStore implements RunStore {

  private static final String QUEUED = "QUEUED";
  private static final String IN_PROGRESS = "IN_PROGRESS";
  private static final String COMPLETED = "COMPLETED";

  private static final Set<String> CONCLUSIONS =
      Set.of("success", "failure", "cancelled", "skipped");

  /**
   * Failures that trying the transaction again resolves: conflicts between concurrent transactions
   * (creators of the first run of a workflow racing to insert its counter, lock waits), and the
   * database going away when the process serving it to the others (H2's AUTO_SERVER) exits, after
   * which H2 reconnects to whichever process serves it next. A connection lost while committing can
   * in principle make a retried insert happen twice.
   */
  private static final Set<Integer> RETRYABLE =
      Set.of(
          ErrorCode.DUPLICATE_KEY_1,
          ErrorCode.DEADLOCK_1,
          ErrorCode.LOCK_TIMEOUT_1,
          ErrorCode.CONCURRENT_UPDATE_1,
          ErrorCode.DATABASE_CALLED_AT_SHUTDOWN,
          ErrorCode.DATABASE_IS_CLOSED,
          ErrorCode.CONNECTION_BROKEN_1,
          ErrorCode.OBJECT_CLOSED,
          ErrorCode.ERROR_OPENING_DATABASE_1,
          ErrorCode.DATABASE_ALREADY_OPEN_1);

  // With the growing pause, about five seconds in all: enough for H2 to hand the database over.
  private static final int MAX_TRIES = 10;
  private static final long BACK_OFF_MILLIS = 100;

  private static final String RUN_COLUMNS =
      "id, run_number, attempt, repository, workflow_file, workflow_name, event, ref, sha,"
          + " status, conclusion, created_at, started_at, finished_at";
  private static final String JOB_COLUMNS =
      "id, run_id, job_key, name, status, conclusion, outputs, started_at, finished_at";
  private static final String STEP_COLUMNS =
      "id, job_id, number, name, status, outcome, conclusion, outputs, started_at, finished_at";

  private static final String DETAIL_COLUMNS =
      "workflow_source, event_payload, inputs, trigger, concurrency_group, cancel_in_progress,"
          + " rerun_of, waiting_reason, lease_owner, lease_expires_at, cancel_requested,"
          + " interrupted, failed_only";
  private static final String STATUS_COLUMNS =
      "id, run_id, repository, sha, state, context, description, target_url, attempts,"
          + " last_error, next_attempt_at, delivered_at";

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

  private static final Set<String> STATUSES = Set.of(QUEUED, IN_PROGRESS, COMPLETED);
  private static final Set<String> STATES = Set.of("pending", "success", "failure", "error");
  private static final int DEFAULT_LIST_LIMIT = 20;
  private static final int MAX_LIST_LIMIT = 500;
  private static final int MAX_ERROR_LENGTH = 500;

  /** See {@link #gatherDeliveries}: at most this long, checking every step, up to this many. */
  private static final long GATHER_NANOS = 5_000_000;

  private static final long GATHER_STEP_NANOS = 500_000;
  private static final long GATHER_AFTER_COMMIT_NANOS = 5_000_000;
  private static final int MAX_DELIVERY_BATCH = 64;

  private final EmbeddedDatabase database;
  private final Clock clock;

  /**
   * Deliveries waiting to be committed together, and whether a caller is committing a batch; see
   * {@link #recordDelivery}. Guarded by itself.
   */
  private final List<PendingDelivery> pendingDeliveries = new ArrayList<>();

  private boolean committingDeliveries;

  /** {@link #syncToDisk}: tickets handed out, the last one covered by a finished sync. */
  private final Object syncs = new Object();

  private long syncTickets;
  private long syncedTicket;
  private boolean syncing;

  /** When the last batch of deliveries was committed ({@link System#nanoTime}). */
  private long lastDeliveryCommit = System.nanoTime() - GATHER_AFTER_COMMIT_NANOS - 1;

  private final JdbcDeployHistory deployHistory = new JdbcDeployHistory(this);

  JdbcRunStore(EmbeddedDatabase database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  @Override
  public DeployHistory deployHistory() {
    return deployHistory;
  }

  @Override
  public RunRecord createRun(NewRun run) {
    Objects.requireNonNull(run, "run");
    String repository = Objects.requireNonNull(run.repository(), "repository");
    String workflowFile = Objects.requireNonNull(run.workflowFile(), "workflowFile");
    String source = Objects.requireNonNull(run.workflowSource(), "workflowSource");
    String event = Objects.requireNonNull(run.event(), "event");
    return inTransaction(
        connection -> {
          Instant createdAt = SqlTimes.toStored(clock.instant());
          long runNumber = nextRunNumber(connection, repository, workflowFile);
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO runs (repository, workflow_file, workflow_name, workflow_source,"
                      + " event, ref, sha, inputs, trigger, run_number, status, created_at,"
                      + " event_payload, concurrency_group, cancel_in_progress)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, repository);
            insert.setString(2, workflowFile);
            insert.setString(3, run.workflowName());
            insert.setString(4, source);
            insert.setString(5, event);
            insert.setString(6, run.ref());
            insert.setString(7, run.sha());
            insert.setString(8, JsonMaps.write(run.inputs()));
            insert.setString(9, run.trigger());
            insert.setLong(10, runNumber);
            insert.setString(11, QUEUED);
            SqlTimes.set(insert, 12, createdAt);
            insert.setString(13, run.eventPayload());
            insert.setString(14, run.concurrencyGroup());
            insert.setBoolean(15, run.cancelInProgress());
            insert.executeUpdate();
            long id = generatedId(insert);
            return new RunRecord(
                id,
                runNumber,
                1,
                repository,
                workflowFile,
                run.workflowName(),
                event,
                run.ref(),
                run.sha(),
                QUEUED,
                null,
                createdAt,
                null,
                null);
          }
        });
  }

  /** Takes the counter row's lock until the transaction ends, so numbers are never shared. */
  private static long nextRunNumber(Connection connection, String repository, String workflowFile)
      throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE run_counters SET last_number = last_number + 1"
                + " WHERE repository = ? AND workflow_file = ?")) {
      update.setString(1, repository);
      update.setString(2, workflowFile);
      if (update.executeUpdate() == 0) {
        // A concurrent first run may insert the same row; the loser fails on the primary key
        // and its whole transaction is tried again, then finding the row to update.
        try (PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO run_counters (repository, workflow_file, last_number) VALUES (?,"
                    + " ?, 1)")) {
          insert.setString(1, repository);
          insert.setString(2, workflowFile);
          insert.executeUpdate();
          return 1;
        }
      }
    }
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT last_number FROM run_counters WHERE repository = ? AND workflow_file = ?")) {
      select.setString(1, repository);
      select.setString(2, workflowFile);
      try (ResultSet rows = select.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  @Override
  public void runStarted(long runId, Instant at) {
    Objects.requireNonNull(at, "at");
    update(
        "run",
        runId,
        "UPDATE runs SET status = ?, started_at = ? WHERE id = ?",
        statement -> {
          statement.setString(1, IN_PROGRESS);
          SqlTimes.set(statement, 2, at);
          statement.setLong(3, runId);
        });
  }

  @Override
  public void runFinished(long runId, String conclusion, Instant at) {
    checkConclusion("conclusion", conclusion);
    Objects.requireNonNull(at, "at");
    update(
        "run",
        runId,
        "UPDATE runs SET status = ?, conclusion = ?, finished_at = ? WHERE id = ?",
        statement -> {
          statement.setString(1, COMPLETED);
          statement.setString(2, conclusion);
          SqlTimes.set(statement, 3, at);
          statement.setLong(4, runId);
        });
  }

  @Override
  public long createJob(long runId, String jobKey, String name) {
    Objects.requireNonNull(jobKey, "jobKey");
    Objects.requireNonNull(name, "name");
    return insertChild(
        "run",
        runId,
        "INSERT INTO jobs (run_id, job_key, name, status, outputs) VALUES (?, ?, ?, ?, ?)",
        statement -> {
          statement.setLong(1, runId);
          statement.setString(2, jobKey);
          statement.setString(3, name);
          statement.setString(4, QUEUED);
          statement.setString(5, JsonMaps.write(null));
        });
  }

  @Override
  public void jobStarted(long jobId, Instant at) {
    Objects.requireNonNull(at, "at");
    update(
        "job",
        jobId,
        "UPDATE jobs SET status = ?, started_at = ? WHERE id = ?",
        statement -> {
          statement.setString(1, IN_PROGRESS);
          SqlTimes.set(statement, 2, at);
          statement.setLong(3, jobId);
        });
  }

  @Override
  public void jobFinished(long jobId, String conclusion, Map<String, String> outputs, Instant at) {
    checkConclusion("conclusion", conclusion);
    Objects.requireNonNull(at, "at");
    update(
        "job",
        jobId,
        "UPDATE jobs SET status = ?, conclusion = ?, outputs = ?, finished_at = ? WHERE id = ?",
        statement -> {
          statement.setString(1, COMPLETED);
          statement.setString(2, conclusion);
          statement.setString(3, JsonMaps.write(outputs));
          SqlTimes.set(statement, 4, at);
          statement.setLong(5, jobId);
        });
  }

  @Override
  public long stepStarted(long jobId, int number, String name, Instant at) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(at, "at");
    return insertChild(
        "job",
        jobId,
        "INSERT INTO steps (job_id, number, name, status, outputs, started_at)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        statement -> {
          statement.setLong(1, jobId);
          statement.setInt(2, number);
          statement.setString(3, name);
          statement.setString(4, IN_PROGRESS);
          statement.setString(5, JsonMaps.write(null));
          SqlTimes.set(statement, 6, at);
        });
  }

  @Override
  public void stepFinished(
      long stepId, String outcome, String conclusion, Map<String, String> outputs, Instant at) {
    checkConclusion("outcome", outcome);
    checkConclusion("conclusion", conclusion);
    Objects.requireNonNull(at, "at");
    update(
        "step",
        stepId,
        "UPDATE steps SET status = ?, outcome = ?, conclusion = ?, outputs = ?, finished_at = ?"
            + " WHERE id = ?",
        statement -> {
          statement.setString(1, COMPLETED);
          statement.setString(2, outcome);
          statement.setString(3, conclusion);
          statement.setString(4, JsonMaps.write(outputs));
          SqlTimes.set(statement, 5, at);
          statement.setLong(6, stepId);
        });
  }

  @Override
  public Optional<RunRecord> findRun(long runId) {
    return inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE id = ?")) {
            select.setLong(1, runId);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next() ? Optional.of(run(rows)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<RunRecord> listRuns(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    return inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT "
                      + RUN_COLUMNS
                      + " FROM runs"
                      + " ORDER BY created_at DESC, id DESC FETCH FIRST ? ROWS ONLY")) {
            select.setInt(1, limit);
            return list(select, JdbcRunStore::run);
          }
        });
  }

  @Override
  public List<JobRecord> jobsOf(long runId) {
    return inTransaction(
        connection -> {
          requireExists(connection, "run", "runs", runId);
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + JOB_COLUMNS + " FROM jobs WHERE run_id = ? ORDER BY id")) {
            select.setLong(1, runId);
            return list(select, JdbcRunStore::job);
          }
        });
  }

  @Override
  public List<StepRecord> stepsOf(long jobId) {
    return inTransaction(
        connection -> {
          requireExists(connection, "job", "jobs", jobId);
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + STEP_COLUMNS + " FROM steps WHERE job_id = ? ORDER BY number, id")) {
            select.setLong(1, jobId);
            return list(select, JdbcRunStore::step);
          }
        });
  }

  // ---- The server's queue ----

  @Override
  public void forgetDelivery(String forge, String deliveryId) {
    Objects.requireNonNull(forge, "forge");
    Objects.requireNonNull(deliveryId, "deliveryId");
    inTransaction(
        connection -> {
          try (PreparedStatement delete =
              connection.prepareStatement(
                  "DELETE FROM deliveries WHERE forge = ? AND delivery_id = ?")) {
            delete.setString(1, forge);
            delete.setString(2, deliveryId);
            delete.executeUpdate();
            return null;
          }
        });
  }

  /**
   * One sync at a time, and it covers every caller that asked before it began: a caller whose
   * ticket came after the running sync started waits for the next, which one of them runs.
   */
  @Override
  public void syncToDisk() {
    long ticket;
    long covered;
    synchronized (syncs) {
      ticket = ++syncTickets;
      boolean interrupted = false;
      while (syncing && syncedTicket < ticket) {
        try {
          syncs.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (syncedTicket >= ticket) {
        return;
      }
      syncing = true;
      covered = syncTickets;
    }
    boolean synced = false;
    try {
      // H2 writes each commit to the file but leaves it in the OS cache; CHECKPOINT SYNC commits
      // and then forces the file (FileChannel.force) to the disk.
      inTransaction(
          connection -> {
            try (Statement checkpoint = connection.createStatement()) {
              checkpoint.execute("CHECKPOINT SYNC");
            }
            return null;
          });
      synced = true;
    } finally {
      synchronized (syncs) {
        syncing = false;
        if (synced) {
          syncedTicket = Math.max(syncedTicket, covered);
        }
        syncs.notifyAll();
      }
    }
  }

  @Override
  public boolean recordDelivery(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(delivery.forge(), "forge");
    Objects.requireNonNull(delivery.deliveryId(), "deliveryId");
    Objects.requireNonNull(delivery.receivedAt(), "receivedAt");
    PendingDelivery mine = new PendingDelivery(delivery);
    // Group commit, leader and followers: a caller that finds no batch being committed commits
    // (and syncs to the disk) every delivery waiting, its own among them; the others wait for
    // their own to be done (not for a lock, so a finished one returns at once) and one of those
    // left over leads the next batch, which holds what arrived during this commit. A burst of
    // webhooks costs a few commits, not one each, and each caller returns only once its row is
    // on the disk.
    List<PendingDelivery> batch;
    synchronized (pendingDeliveries) {
      pendingDeliveries.add(mine);
      boolean interrupted = false;
      while (!mine.done && committingDeliveries) {
        try {
          pendingDeliveries.wait();
        } catch (InterruptedException e) {
          // The row is on its way to the store: the answer must wait for it, not be abandoned.
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (mine.done) {
        return mine.result();
      }
      committingDeliveries = true;
    }
    gatherDeliveries();
    synchronized (pendingDeliveries) {
      batch = new ArrayList<>(pendingDeliveries);
      pendingDeliveries.clear();
    }
    // Until the batch is in, every caller's answer is this failure (an Error escapes below).
    RuntimeException failure =
        new StoreException("Run store failed: the deliveries' commit did not finish", null);
    try {
      insertDeliveries(batch);
      // One sync for the whole batch: each caller's row is on the disk when it returns.
      syncToDisk();
      failure = null;
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      synchronized (pendingDeliveries) {
        for (PendingDelivery pending : batch) {
          pending.failure = failure;
          pending.done = true;
        }
        committingDeliveries = false;
        lastDeliveryCommit = System.nanoTime();
        pendingDeliveries.notifyAll();
      }
    }
    return mine.result();
  }

  /**
   * Lets the deliveries of a burst join the batch about to be committed. Only when the last batch
   * was committed moments ago (deliveries are streaming in): an idle server's lone delivery is
   * committed at once. Every commit rewrites whole B-tree pages, so ten rows cost little more than
   * one; on two cores the callers reach this point one by one, and without the wait batches hold
   * two deliveries on average.
   */
  private void gatherDeliveries() {
    long now = System.nanoTime();
    synchronized (pendingDeliveries) {
      if (now - lastDeliveryCommit > GATHER_AFTER_COMMIT_NANOS) {
        return;
      }
    }
    long deadline = now + GATHER_NANOS;
    while (System.nanoTime() - deadline < 0) {
      synchronized (pendingDeliveries) {
        if (pendingDeliveries.size() >= MAX_DELIVERY_BATCH) {
          return;
        }
      }
      LockSupport.parkNanos(GATHER_STEP_NANOS);
    }
  }

  /** Inserts a batch of deliveries in one transaction; a duplicate id is recorded as such. */
  private void insertDeliveries(List<PendingDelivery> batch) {
    inTransaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO deliveries (forge, delivery_id, repository, event, received_at)"
                      + " VALUES (?, ?, ?, ?, ?)")) {
            for (PendingDelivery pending : batch) {
              Delivery delivery = pending.delivery;
              insert.setString(1, delivery.forge());
              insert.setString(2, delivery.deliveryId());
              insert.setString(3, delivery.repository());
              insert.setString(4, delivery.event());
              SqlTimes.set(insert, 5, delivery.receivedAt());
              try {
                insert.executeUpdate();
                pending.recorded = true;
              } catch (SQLException e) {
                // Only this statement fails: the duplicate is the answer, not a conflict.
                if (e.getErrorCode() != ErrorCode.DUPLICATE_KEY_1) {
                  throw e;
                }
                pending.recorded = false;
              }
            }
          }
          return null;
        });
  }

  /** A delivery waiting for {@link #recordDelivery}'s group commit; guarded by the list. */
  private static final class PendingDelivery {
    final Delivery delivery;
    boolean recorded;
    boolean done;
    RuntimeException failure;

    PendingDelivery(Delivery delivery) {
      this.delivery = delivery;
    }

    boolean result() {
      if (failure != null) {
        throw failure;
      }
      return recorded;
    }
  }

  @Override
  public Optional<RunDetails> details(long runId) {
    return inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + RUN_COLUMNS + ", " + DETAIL_COLUMNS + " FROM runs WHERE id = ?")) {
            select.setLong(1, runId);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next() ? Optional.of(runDetails(rows)) : Optional.empty();
            }
          }
        });
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
    Objects.requireNonNull(lease, "lease");
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, not " + lease);
    }
    Instant until = now.plus(lease);
    return inTransaction(
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
                && markClaimed(connection, candidate, owner, now, until)) {
              return Optional.of(readRun(connection, candidate));
            }
          }
        });
  }

  /** The oldest QUEUED runs first, leaving out those that wait for their concurrency group. */
  private static List<Long> claimCandidates(Connection connection, int count) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT r.id FROM runs r WHERE r.status = 'QUEUED' AND "
                + GROUP_IS_FREE
                + " ORDER BY r.id FETCH FIRST ? ROWS ONLY")) {
      select.setInt(1, count);
      List<Long> ids = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getLong(1));
        }
      }
      return ids;
    }
  }

  /** Locks the run's row until the transaction ends; false when it is no longer QUEUED. */
  private static boolean lockQueued(Connection connection, long id) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement(
            "SELECT id FROM runs WHERE id = ? AND status = 'QUEUED' FOR UPDATE")) {
      lock.setLong(1, id);
      try (ResultSet rows = lock.executeQuery()) {
        return rows.next();
      }
    }
  }

  /** Checks the group again once the row is locked, against what others committed meanwhile. */
  private static boolean mayStart(Connection connection, long id) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT 1 FROM runs r WHERE r.id = ? AND " + GROUP_IS_FREE)) {
      select.setLong(1, id);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static boolean markClaimed(
      Connection connection, long id, String owner, Instant now, Instant until)
      throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE runs SET status = ?, started_at = ?, lease_owner = ?, lease_expires_at = ?,"
                + " waiting_reason = NULL WHERE id = ? AND status = ?")) {
      update.setString(1, IN_PROGRESS);
      SqlTimes.set(update, 2, now);
      update.setString(3, owner);
      SqlTimes.set(update, 4, until);
      update.setLong(5, id);
      update.setString(6, QUEUED);
      return update.executeUpdate() == 1;
    }
  }

  @Override
  public boolean renewLease(long runId, String owner, Instant until) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(until, "until");
    return inTransaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE runs SET lease_expires_at = ?"
                      + " WHERE id = ? AND lease_owner = ? AND status = ?")) {
            SqlTimes.set(update, 1, until);
            update.setLong(2, runId);
            update.setString(3, owner);
            update.setString(4, IN_PROGRESS);
            return update.executeUpdate() == 1;
          }
        });
  }

  @Override
  public List<RunRecord> expireLeases(Instant now) {
    Objects.requireNonNull(now, "now");
    return inTransaction(
        connection -> {
          List<Long> expired = new ArrayList<>();
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT id FROM runs WHERE status = ? AND lease_expires_at < ? ORDER BY id")) {
            select.setString(1, IN_PROGRESS);
            SqlTimes.set(select, 2, now);
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                expired.add(rows.getLong(1));
              }
            }
          }
          List<RunRecord> runs = new ArrayList<>();
          for (long id : expired) {
            // Only the runs this call concludes: a lease renewed meanwhile, or another process
            // expiring the same run first, leaves it alone, so each is reported once.
            if (expire(connection, id, now)) {
              runs.add(readRun(connection, id));
            }
          }
          return List.copyOf(runs);
        });
  }

  private static boolean expire(Connection connection, long id, Instant now) throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE runs SET status = ?, conclusion = 'failure', interrupted = TRUE,"
                + " finished_at = ? WHERE id = ? AND status = ? AND lease_expires_at < ?")) {
      update.setString(1, COMPLETED);
      SqlTimes.set(update, 2, now);
      update.setLong(3, id);
      update.setString(4, IN_PROGRESS);
      SqlTimes.set(update, 5, now);
      if (update.executeUpdate() == 0) {
        return false;
      }
    }
    try (PreparedStatement steps =
        connection.prepareStatement(
            "UPDATE steps SET status = ?, outcome = 'failure', conclusion = 'failure',"
                + " finished_at = ? WHERE status = ?"
                + " AND job_id IN (SELECT id FROM jobs WHERE run_id = ?)")) {
      steps.setString(1, COMPLETED);
      SqlTimes.set(steps, 2, now);
      steps.setString(3, IN_PROGRESS);
      steps.setLong(4, id);
      steps.executeUpdate();
    }
    try (PreparedStatement jobs =
        connection.prepareStatement(
            "UPDATE jobs SET status = ?, conclusion = 'failure', finished_at = ?"
                + " WHERE run_id = ? AND status IN (?, ?)")) {
      jobs.setString(1, COMPLETED);
      SqlTimes.set(jobs, 2, now);
      jobs.setLong(3, id);
      jobs.setString(4, QUEUED);
      jobs.setString(5, IN_PROGRESS);
      jobs.executeUpdate();
    }
    return true;
  }

  @Override
  public void setWaitingReason(long runId, String reason) {
    update(
        "run",
        runId,
        "UPDATE runs SET waiting_reason = ? WHERE id = ?",
        statement -> {
          statement.setString(1, reason);
          statement.setLong(2, runId);
        });
  }

  @Override
  public RunRecord requestCancel(long runId, Instant now) {
    Objects.requireNonNull(now, "now");
    return inTransaction(
        connection -> {
          String status;
          try (PreparedStatement lock =
              connection.prepareStatement("SELECT status FROM runs WHERE id = ? FOR UPDATE")) {
            lock.setLong(1, runId);
            try (ResultSet rows = lock.executeQuery()) {
              if (!rows.next()) {
                throw unknown("run", runId);
              }
              status = rows.getString(1);
            }
          }
          if (QUEUED.equals(status)) {
            try (PreparedStatement update =
                connection.prepareStatement(
                    "UPDATE runs SET status = ?, conclusion = 'cancelled', finished_at = ?,"
                        + " waiting_reason = NULL WHERE id = ?")) {
              update.setString(1, COMPLETED);
              SqlTimes.set(update, 2, now);
              update.setLong(3, runId);
              update.executeUpdate();
            }
          } else if (IN_PROGRESS.equals(status)) {
            try (PreparedStatement update =
                connection.prepareStatement(
                    "UPDATE runs SET cancel_requested = TRUE WHERE id = ?")) {
              update.setLong(1, runId);
              update.executeUpdate();
            }
          }
          return readRun(connection, runId);
        });
  }

  @Override
  public boolean cancelRequested(long runId) {
    return inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement("SELECT cancel_requested FROM runs WHERE id = ?")) {
            select.setLong(1, runId);
            try (ResultSet rows = select.executeQuery()) {
              if (!rows.next()) {
                throw unknown("run", runId);
              }
              return rows.getBoolean(1);
            }
          }
        });
  }

  @Override
  public List<RunSummary> page(RunQuery query) {
    List<String> conditions = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    if (query.repository() != null) {
      conditions.add("repository = ?");
      values.add(query.repository());
    }
    if (query.branch() != null) {
      conditions.add("ref = ?");
      values.add(query.branch().startsWith("refs/") ? query.branch() : "refs/heads/" + query.branch());
    }
    if (query.workflow() != null) {
      conditions.add("(workflow_name = ? OR workflow_file = ? OR workflow_file = ?)");
      values.add(query.workflow());
      values.add(query.workflow());
      values.add(".github/workflows/" + query.workflow());
    }
    if (query.status() != null) {
      String upper = query.status().toUpperCase(Locale.ROOT);
      if (STATUSES.contains(upper)) {
        conditions.add("status = ?");
        values.add(upper);
      } else {
        conditions.add("conclusion = ?");
        values.add(query.status().toLowerCase(Locale.ROOT));
      }
    }
    if (query.event() != null) {
      conditions.add("event = ?");
      values.add(query.event());
    }
    if (query.beforeId() != null) {
      conditions.add("id < ?");
      values.add(query.beforeId());
    }
    int limit = Math.max(1, Math.min(query.limit(), MAX_LIST_LIMIT));
    // The ids first: ordering the rows themselves would read every matching run's payload.
    String ids =
        "SELECT id FROM runs"
            + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
            + " ORDER BY id DESC FETCH FIRST "
            + limit
            + " ROWS ONLY";
    return inTransaction(
        connection -> {
          List<Long> page;
          try (PreparedStatement select = connection.prepareStatement(ids)) {
            int index = 1;
            for (Object value : values) {
              select.setObject(index++, value);
            }
            page = list(select, rows -> rows.getLong(1));
          }
          if (page.isEmpty()) {
            return List.of();
          }
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + RUN_COLUMNS + ", trigger, event_payload FROM runs WHERE id IN ("
                      + String.join(",", java.util.Collections.nCopies(page.size(), "?"))
                      + ") ORDER BY id DESC")) {
            for (int i = 0; i < page.size(); i++) {
              select.setLong(i + 1, page.get(i));
            }
            return list(
                select,
                rows ->
                    new RunSummary(
                        run(rows), rows.getString("trigger"), rows.getString("event_payload")));
          }
        });
  }

  @Override
  public List<RunRecord> listRuns(RunFilter filter) {
    RunFilter f = filter == null ? new RunFilter(null, null, null, 0) : filter;
    List<String> conditions = new ArrayList<>();
    List<String> values = new ArrayList<>();
    if (f.repository() != null) {
      conditions.add("repository = ?");
      values.add(f.repository());
    }
    if (f.branch() != null) {
      conditions.add("ref = ?");
      values.add(f.branch().startsWith("refs/") ? f.branch() : "refs/heads/" + f.branch());
    }
    if (f.status() != null) {
      String upper = f.status().toUpperCase(Locale.ROOT);
      if (STATUSES.contains(upper)) {
        conditions.add("status = ?");
        values.add(upper);
      } else {
        conditions.add("conclusion = ?");
        values.add(f.status().toLowerCase(Locale.ROOT));
      }
    }
    int limit = f.limit() <= 0 ? DEFAULT_LIST_LIMIT : Math.min(f.limit(), MAX_LIST_LIMIT);
    String sql =
        "SELECT "
            + RUN_COLUMNS
            + " FROM runs"
            + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
            + " ORDER BY created_at DESC, id DESC FETCH FIRST ? ROWS ONLY";
    return inTransaction(
        connection -> {
          try (PreparedStatement select = connection.prepareStatement(sql)) {
            int index = 1;
            for (String value : values) {
              select.setString(index++, value);
            }
            select.setInt(index, limit);
            return list(select, JdbcRunStore::run);
          }
        });
  }

  @Override
  public RunRecord createRerun(long runId, String trigger, Instant now, boolean failedOnly) {
    Objects.requireNonNull(now, "now");
    Instant createdAt = SqlTimes.toStored(now);
    return inTransaction(
        connection -> {
          RunDetails original;
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + RUN_COLUMNS + ", " + DETAIL_COLUMNS + " FROM runs WHERE id = ?")) {
            select.setLong(1, runId);
            try (ResultSet rows = select.executeQuery()) {
              if (!rows.next()) {
                throw unknown("run", runId);
              }
              original = runDetails(rows);
            }
          }
          RunRecord run = original.run();
          int attempt;
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT MAX(attempt) FROM runs"
                      + " WHERE repository = ? AND workflow_file = ? AND run_number = ?")) {
            select.setString(1, run.repository());
            select.setString(2, run.workflowFile());
            select.setLong(3, run.runNumber());
            try (ResultSet rows = select.executeQuery()) {
              rows.next();
              // Two reruns racing to the same attempt collide on runs_number; the loser's
              // transaction is tried again and finds the next attempt.
              attempt = rows.getInt(1) + 1;
            }
          }
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO runs (repository, workflow_file, workflow_name, workflow_source,"
                      + " event, ref, sha, inputs, trigger, run_number, attempt, status,"
                      + " created_at, event_payload, concurrency_group, cancel_in_progress,"
                      + " rerun_of, failed_only)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
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
            insert.executeUpdate();
            return new RunRecord(
                generatedId(insert),
                run.runNumber(),
                attempt,
                run.repository(),
                run.workflowFile(),
                run.workflowName(),
                run.event(),
                run.ref(),
                run.sha(),
                QUEUED,
                null,
                createdAt,
                null,
                null);
          }
        });
  }

  // ---- The outbox of commit statuses ----

  @Override
  public long enqueueStatus(NewStatus status) {
    Objects.requireNonNull(status, "status");
    String repository = Objects.requireNonNull(status.repository(), "repository");
    String sha = Objects.requireNonNull(status.sha(), "sha");
    String context = Objects.requireNonNull(status.context(), "context");
    Instant at = Objects.requireNonNull(status.at(), "at");
    if (!STATES.contains(status.state())) {
      throw new IllegalArgumentException(
          "state must be one of pending, success, failure or error, not " + status.state());
    }
    return insertChild(
        "run",
        status.runId(),
        "INSERT INTO statuses (run_id, repository, sha, state, context, description, target_url,"
            + " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        statement -> {
          statement.setLong(1, status.runId());
          statement.setString(2, repository);
          statement.setString(3, sha);
          statement.setString(4, status.state());
          statement.setString(5, context);
          statement.setString(6, status.description());
          statement.setString(7, status.targetUrl());
          SqlTimes.set(statement, 8, at);
          SqlTimes.set(statement, 9, at);
        });
  }

  @Override
  public List<StatusRecord> dueStatuses(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    return inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT "
                      + STATUS_COLUMNS
                      + " FROM statuses WHERE delivered_at IS NULL"
                      + " AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?"
                      + " ORDER BY id FETCH FIRST ? ROWS ONLY")) {
            SqlTimes.set(select, 1, now);
            select.setInt(2, limit);
            return statuses(select);
          }
        });
  }

  @Override
  public void statusDelivered(long statusId, Instant at) {
    Objects.requireNonNull(at, "at");
    update(
        "status",
        statusId,
        "UPDATE statuses SET delivered_at = ? WHERE id = ?",
        statement -> {
          SqlTimes.set(statement, 1, at);
          statement.setLong(2, statusId);
        });
  }

  @Override
  public void statusFailed(long statusId, String error, Instant retryAt) {
    update(
        "status",
        statusId,
        "UPDATE statuses SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            + " WHERE id = ?",
        statement -> {
          statement.setString(1, truncate(error, MAX_ERROR_LENGTH));
          SqlTimes.set(statement, 2, retryAt);
          statement.setLong(3, statusId);
        });
  }

  @Override
  public List<StatusRecord> statusesOf(long runId) {
    return inTransaction(
        connection -> {
          requireExists(connection, "run", "runs", runId);
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + STATUS_COLUMNS + " FROM statuses WHERE run_id = ? ORDER BY id")) {
            select.setLong(1, runId);
            return statuses(select);
          }
        });
  }

  private static List<StatusRecord> statuses(PreparedStatement select) throws SQLException {
    List<StatusRecord> statuses = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        statuses.add(
            new StatusRecord(
                rows.getLong("id"),
                rows.getLong("run_id"),
                rows.getString("repository"),
                rows.getString("sha"),
                rows.getString("state"),
                rows.getString("context"),
                rows.getString("description"),
                rows.getString("target_url"),
                rows.getInt("attempts"),
                rows.getString("last_error"),
                SqlTimes.get(rows, "next_attempt_at"),
                SqlTimes.get(rows, "delivered_at")));
      }
    }
    return List.copyOf(statuses);
  }

  /** Cuts at a character boundary, never between the halves of a surrogate pair. */
  static String truncate(String text, int maxLength) {
    if (text == null || text.length() <= maxLength) {
      return text;
    }
    int end = maxLength;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  private static RunRecord readRun(Connection connection, long id) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          throw unknown("run", id);
        }
        return run(rows);
      }
    }
  }

  private static RunDetails runDetails(ResultSet rows) throws SQLException {
    long rerunOf = rows.getLong("rerun_of");
    Long original = rows.wasNull() ? null : rerunOf;
    return new RunDetails(
        run(rows),
        rows.getString("workflow_source"),
        rows.getString("event_payload"),
        JsonMaps.read(rows.getString("inputs")),
        rows.getString("trigger"),
        rows.getString("concurrency_group"),
        rows.getBoolean("cancel_in_progress"),
        original,
        rows.getString("waiting_reason"),
        rows.getString("lease_owner"),
        SqlTimes.get(rows, "lease_expires_at"),
        rows.getBoolean("cancel_requested"),
        rows.getBoolean("interrupted"),
        rows.getBoolean("failed_only"));
  }

  @Override
  public void close() {
    database.close();
  }

  private static RunRecord run(ResultSet rows) throws SQLException {
    return new RunRecord(
        rows.getLong("id"),
        rows.getLong("run_number"),
        rows.getInt("attempt"),
        rows.getString("repository"),
        rows.getString("workflow_file"),
        rows.getString("workflow_name"),
        rows.getString("event"),
        rows.getString("ref"),
        rows.getString("sha"),
        rows.getString("status"),
        rows.getString("conclusion"),
        SqlTimes.get(rows, "created_at"),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }

  private static JobRecord job(ResultSet rows) throws SQLException {
    return new JobRecord(
        rows.getLong("id"),
        rows.getLong("run_id"),
        rows.getString("job_key"),
        rows.getString("name"),
        rows.getString("status"),
        rows.getString("conclusion"),
        JsonMaps.read(rows.getString("outputs")),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }

  private static StepRecord step(ResultSet rows) throws SQLException {
    return new StepRecord(
        rows.getLong("id"),
        rows.getLong("job_id"),
        rows.getInt("number"),
        rows.getString("name"),
        rows.getString("status"),
        rows.getString("outcome"),
        rows.getString("conclusion"),
        JsonMaps.read(rows.getString("outputs")),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }

  private static void checkConclusion(String what, String value) {
    if (!CONCLUSIONS.contains(value)) {
      throw new IllegalArgumentException(
          what + " must be one of success, failure, cancelled or skipped, not " + value);
    }
  }

  private static void requireExists(Connection connection, String kind, String table, long id)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          throw unknown(kind, id);
        }
      }
    }
  }

  private static IllegalArgumentException unknown(String kind, long id) {
    return new IllegalArgumentException("No " + kind + " with id " + id);
  }

  private void update(String kind, long id, String sql, Binder binder) {
    inTransaction(
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            if (statement.executeUpdate() == 0) {
              throw unknown(kind, id);
            }
            return null;
          }
        });
  }

  /** Inserts a job or step and returns its id; a missing parent is an unknown id. */
  private long insertChild(String parentKind, long parentId, String sql, Binder binder) {
    return inTransaction(
        connection -> {
          try (PreparedStatement statement =
              connection.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            binder.bind(statement);
            statement.executeUpdate();
            return generatedId(statement);
          } catch (SQLException e) {
            if (e.getErrorCode() == ErrorCode.REFERENTIAL_INTEGRITY_VIOLATED_PARENT_MISSING_1) {
              throw unknown(parentKind, parentId);
            }
            throw e;
          }
        });
  }

  private static long generatedId(Statement statement) throws SQLException {
    try (ResultSet keys = statement.getGeneratedKeys()) {
      if (!keys.next()) {
        throw new SQLException("The database returned no generated id");
      }
      return keys.getLong(1);
    }
  }

  /** Runs {@code work} in one transaction, retried on the conflicts listed in RETRYABLE. */
  <T> T inTransaction(Work<T> work) {
    for (int tries = 1; ; tries++) {
      try (Connection connection = database.connection()) {
        // Every use of a pooled connection comes through here, so none expects auto-commit.
        connection.setAutoCommit(false);
        try {
          T result = work.apply(connection);
          connection.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          rollBack(connection, e);
          throw e;
        }
      } catch (SQLException e) {
        if (tries < MAX_TRIES && (RETRYABLE.contains(e.getErrorCode()) || closedUnderUs(e))) {
          backOff(tries, e);
          continue;
        }
        throw new StoreException("Run store failed: " + StoreException.describe(e), e);
      }
    }
  }

  /**
   * The serving process closed the database while this one's transaction ran through it (H2's
   * AUTO_SERVER hand-over): the transaction is gone and nothing of it was committed, so it is
   * tried again on a new connection to whoever serves the database next.
   */
  private static boolean closedUnderUs(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return e.getErrorCode() == ErrorCode.GENERAL_ERROR_1
        && message.contains("MVStoreException")
        && message.contains(" is closed");
  }

  /** A row mapper that may throw, for {@link #list}. */
  private interface Rows<T> {
    T map(ResultSet rows) throws SQLException;
  }

  /** Every row {@code select} returns, mapped, as an unmodifiable list. */
  private static <T> List<T> list(PreparedStatement select, Rows<T> mapper) throws SQLException {
    List<T> out = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        out.add(mapper.map(rows));
      }
    }
    return List.copyOf(out);
  }

  private static void rollBack(Connection connection, Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // A lost connection cannot roll back, nor needs to: its transaction is gone with it.
      cause.addSuppressed(e);
    }
  }

  private static void backOff(int tries, SQLException cause) {
    try {
      Thread.sleep(BACK_OFF_MILLIS * tries);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Run store interrupted: " + StoreException.describe(cause), cause);
    }
  }

  @FunctionalInterface
  interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }
}
