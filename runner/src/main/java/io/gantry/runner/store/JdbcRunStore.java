package io.gantry.runner.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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

  private final EmbeddedDatabase database;
  private final Clock clock;

  JdbcRunStore(EmbeddedDatabase database, Clock clock) {
    this.database = database;
    this.clock = clock;
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
                      + " event, ref, sha, inputs, trigger, run_number, status, created_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            List<RunRecord> runs = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                runs.add(run(rows));
              }
            }
            return List.copyOf(runs);
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
            List<JobRecord> jobs = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                jobs.add(job(rows));
              }
            }
            return List.copyOf(jobs);
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
            List<StepRecord> steps = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                steps.add(step(rows));
              }
            }
            return List.copyOf(steps);
          }
        });
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

  private <T> T inTransaction(Work<T> work) {
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
        if (tries < MAX_TRIES && RETRYABLE.contains(e.getErrorCode())) {
          backOff(tries, e);
          continue;
        }
        throw new StoreException("Run store failed: " + StoreException.describe(e), e);
      }
    }
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
  private interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }
}
