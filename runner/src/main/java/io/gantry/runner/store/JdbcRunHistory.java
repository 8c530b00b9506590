package io.gantry.runner.store;

import static io.gantry.runner.store.StoreRows.DETAIL_COLUMNS;
import static io.gantry.runner.store.StoreRows.JOB_COLUMNS;
import static io.gantry.runner.store.StoreRows.RUN_COLUMNS;
import static io.gantry.runner.store.StoreRows.STEP_COLUMNS;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The run history over JDBC: tables {@code runs}, {@code run_counters}, {@code jobs}, {@code
 * steps}.
 */
final class JdbcRunHistory implements RunHistory {

  private static final int DEFAULT_LIST_LIMIT = 20;
  private static final int MAX_LIST_LIMIT = 500;

  private final Jdbc jdbc;
  private final Clock clock;

  JdbcRunHistory(Jdbc jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  @Override
  public RunRecord createRun(NewRun run) {
    Objects.requireNonNull(run, "run");
    String repository = Objects.requireNonNull(run.repository(), "repository");
    String workflowFile = Objects.requireNonNull(run.workflowFile(), "workflowFile");
    String source = Objects.requireNonNull(run.workflowSource(), "workflowSource");
    String event = Objects.requireNonNull(run.event(), "event");
    return jdbc.inTransaction(
        connection -> {
          Instant createdAt = SqlTimes.toStored(clock.instant());
          long runNumber = nextRunNumber(connection, repository, workflowFile);
          long id =
              Jdbc.insert(
                  connection,
                  null,
                  0,
                  "INSERT INTO runs (repository, workflow_file, workflow_name, workflow_source,"
                      + " event, ref, sha, inputs, trigger, run_number, status, created_at,"
                      + " event_payload, concurrency_group, cancel_in_progress)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  insert -> {
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
                    insert.setString(11, RunStatus.QUEUED.name());
                    SqlTimes.set(insert, 12, createdAt);
                    insert.setString(13, run.eventPayload());
                    insert.setString(14, run.concurrencyGroup());
                    insert.setBoolean(15, run.cancelInProgress());
                  });
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
              RunStatus.QUEUED,
              null,
              createdAt,
              null,
              null);
        });
  }

  /** Takes the counter row's lock until the transaction ends, so numbers are never shared. */
  private static long nextRunNumber(Connection connection, String repository, String workflowFile)
      throws SQLException {
    int updated =
        Jdbc.update(
            connection,
            "UPDATE run_counters SET last_number = last_number + 1"
                + " WHERE repository = ? AND workflow_file = ?",
            s -> {
              s.setString(1, repository);
              s.setString(2, workflowFile);
            });
    if (updated == 0) {
      // A concurrent first run may insert the same row; the loser fails on the primary key
      // and its whole transaction is tried again, then finding the row to update.
      Jdbc.update(
          connection,
          "INSERT INTO run_counters (repository, workflow_file, last_number) VALUES (?, ?, 1)",
          s -> {
            s.setString(1, repository);
            s.setString(2, workflowFile);
          });
      return 1;
    }
    return Jdbc.first(
            connection,
            "SELECT last_number FROM run_counters WHERE repository = ? AND workflow_file = ?",
            s -> {
              s.setString(1, repository);
              s.setString(2, workflowFile);
            },
            rows -> rows.getLong(1))
        .orElseThrow();
  }

  @Override
  public void runStarted(long runId, Instant at) {
    Objects.requireNonNull(at, "at");
    jdbc.update(
        "run",
        runId,
        "UPDATE runs SET status = ?, started_at = ? WHERE id = ?",
        s -> {
          s.setString(1, RunStatus.IN_PROGRESS.name());
          SqlTimes.set(s, 2, at);
          s.setLong(3, runId);
        });
  }

  @Override
  public void runFinished(long runId, Result conclusion, Instant at) {
    Objects.requireNonNull(conclusion, "conclusion");
    Objects.requireNonNull(at, "at");
    jdbc.update(
        "run",
        runId,
        "UPDATE runs SET status = ?, conclusion = ?, finished_at = ? WHERE id = ?",
        s -> {
          s.setString(1, RunStatus.COMPLETED.name());
          s.setString(2, conclusion.label());
          SqlTimes.set(s, 3, at);
          s.setLong(4, runId);
        });
  }

  @Override
  public long createJob(long runId, String jobKey, String name) {
    Objects.requireNonNull(jobKey, "jobKey");
    Objects.requireNonNull(name, "name");
    return jdbc.insert(
        "run",
        runId,
        "INSERT INTO jobs (run_id, job_key, name, status, outputs) VALUES (?, ?, ?, ?, ?)",
        s -> {
          s.setLong(1, runId);
          s.setString(2, jobKey);
          s.setString(3, name);
          s.setString(4, RunStatus.QUEUED.name());
          s.setString(5, JsonMaps.write(null));
        });
  }

  @Override
  public void jobStarted(long jobId, Instant at) {
    Objects.requireNonNull(at, "at");
    jdbc.update(
        "job",
        jobId,
        "UPDATE jobs SET status = ?, started_at = ? WHERE id = ?",
        s -> {
          s.setString(1, RunStatus.IN_PROGRESS.name());
          SqlTimes.set(s, 2, at);
          s.setLong(3, jobId);
        });
  }

  @Override
  public void jobFinished(long jobId, Result conclusion, Map<String, String> outputs, Instant at) {
    Objects.requireNonNull(conclusion, "conclusion");
    Objects.requireNonNull(at, "at");
    jdbc.update(
        "job",
        jobId,
        "UPDATE jobs SET status = ?, conclusion = ?, outputs = ?, finished_at = ? WHERE id = ?",
        s -> {
          s.setString(1, RunStatus.COMPLETED.name());
          s.setString(2, conclusion.label());
          s.setString(3, JsonMaps.write(outputs));
          SqlTimes.set(s, 4, at);
          s.setLong(5, jobId);
        });
  }

  @Override
  public long stepStarted(long jobId, int number, String name, Instant at) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(at, "at");
    return jdbc.insert(
        "job",
        jobId,
        "INSERT INTO steps (job_id, number, name, status, outputs, started_at)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        s -> {
          s.setLong(1, jobId);
          s.setInt(2, number);
          s.setString(3, name);
          s.setString(4, RunStatus.IN_PROGRESS.name());
          s.setString(5, JsonMaps.write(null));
          SqlTimes.set(s, 6, at);
        });
  }

  @Override
  public void stepFinished(
      long stepId, Result outcome, Result conclusion, Map<String, String> outputs, Instant at) {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(conclusion, "conclusion");
    Objects.requireNonNull(at, "at");
    jdbc.update(
        "step",
        stepId,
        "UPDATE steps SET status = ?, outcome = ?, conclusion = ?, outputs = ?, finished_at = ?"
            + " WHERE id = ?",
        s -> {
          s.setString(1, RunStatus.COMPLETED.name());
          s.setString(2, outcome.label());
          s.setString(3, conclusion.label());
          s.setString(4, JsonMaps.write(outputs));
          SqlTimes.set(s, 5, at);
          s.setLong(6, stepId);
        });
  }

  @Override
  public Optional<RunRecord> findRun(long runId) {
    return jdbc.first(
        "SELECT " + RUN_COLUMNS + " FROM runs WHERE id = ?",
        s -> s.setLong(1, runId),
        StoreRows::run);
  }

  @Override
  public List<RunRecord> listRuns(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    return jdbc.list(
        "SELECT "
            + RUN_COLUMNS
            + " FROM runs ORDER BY created_at DESC, id DESC"
            + " FETCH FIRST ? ROWS ONLY",
        s -> s.setInt(1, limit),
        StoreRows::run);
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
      values.add(
          query.branch().startsWith("refs/") ? query.branch() : "refs/heads/" + query.branch());
    }
    if (query.workflow() != null) {
      conditions.add("(workflow_name = ? OR workflow_file = ? OR workflow_file = ?)");
      values.add(query.workflow());
      values.add(query.workflow());
      values.add(".github/workflows/" + query.workflow());
    }
    if (query.status() != null) {
      String upper = query.status().toUpperCase(Locale.ROOT);
      if (isStatus(upper)) {
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
    return jdbc.inTransaction(
        connection -> {
          List<Long> page =
              Jdbc.list(
                  connection,
                  ids,
                  select -> {
                    int index = 1;
                    for (Object value : values) {
                      select.setObject(index++, value);
                    }
                  },
                  rows -> rows.getLong(1));
          if (page.isEmpty()) {
            return List.of();
          }
          return Jdbc.list(
              connection,
              "SELECT "
                  + RUN_COLUMNS
                  + ", trigger, event_payload FROM runs WHERE id IN ("
                  + String.join(",", java.util.Collections.nCopies(page.size(), "?"))
                  + ") ORDER BY id DESC",
              select -> {
                for (int i = 0; i < page.size(); i++) {
                  select.setLong(i + 1, page.get(i));
                }
              },
              rows ->
                  new RunSummary(
                      StoreRows.run(rows),
                      rows.getString("trigger"),
                      rows.getString("event_payload")));
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
      if (isStatus(upper)) {
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
    return jdbc.list(
        sql,
        s -> {
          int index = 1;
          for (String value : values) {
            s.setString(index++, value);
          }
          s.setInt(index, limit);
        },
        StoreRows::run);
  }

  private static boolean isStatus(String name) {
    for (RunStatus status : RunStatus.values()) {
      if (status.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public List<JobRecord> jobsOf(long runId) {
    return jdbc.inTransaction(
        connection -> {
          Jdbc.requireExists(connection, "run", "runs", runId);
          return Jdbc.list(
              connection,
              "SELECT " + JOB_COLUMNS + " FROM jobs WHERE run_id = ? ORDER BY id",
              s -> s.setLong(1, runId),
              StoreRows::job);
        });
  }

  @Override
  public List<StepRecord> stepsOf(long jobId) {
    return jdbc.inTransaction(
        connection -> {
          Jdbc.requireExists(connection, "job", "jobs", jobId);
          return Jdbc.list(
              connection,
              "SELECT " + STEP_COLUMNS + " FROM steps WHERE job_id = ? ORDER BY number, id",
              s -> s.setLong(1, jobId),
              StoreRows::step);
        });
  }

  @Override
  public Optional<RunDetails> details(long runId) {
    return jdbc.first(
        "SELECT " + RUN_COLUMNS + ", " + DETAIL_COLUMNS + " FROM runs WHERE id = ?",
        s -> s.setLong(1, runId),
        StoreRows::runDetails);
  }
}
