package io.gantry.runner.store;

import io.gantry.runner.store.CommitStatuses.StatusRecord;
import io.gantry.runner.store.RunHistory.JobRecord;
import io.gantry.runner.store.RunHistory.RunDetails;
import io.gantry.runner.store.RunHistory.RunRecord;
import io.gantry.runner.store.RunHistory.StepRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The columns of the run tables and their rows as records, shared by the store classes. */
final class StoreRows {

  static final String RUN_COLUMNS =
      "id, run_number, attempt, repository, workflow_file, workflow_name, event, ref, sha,"
          + " status, conclusion, created_at, started_at, finished_at";
  static final String JOB_COLUMNS =
      "id, run_id, job_key, name, status, conclusion, outputs, started_at, finished_at";
  static final String STEP_COLUMNS =
      "id, job_id, number, name, status, outcome, conclusion, outputs, started_at, finished_at";
  static final String DETAIL_COLUMNS =
      "workflow_source, event_payload, inputs, trigger, concurrency_group, cancel_in_progress,"
          + " rerun_of, waiting_reason, lease_owner, lease_expires_at, cancel_requested,"
          + " interrupted, failed_only";
  static final String STATUS_COLUMNS =
      "id, run_id, repository, sha, state, context, description, target_url, attempts,"
          + " last_error, next_attempt_at, delivered_at";

  private StoreRows() {}

  /** The run with this id, which must exist. */
  static RunRecord readRun(Connection connection, long id) throws SQLException {
    return Jdbc.first(
            connection,
            "SELECT " + RUN_COLUMNS + " FROM runs WHERE id = ?",
            s -> s.setLong(1, id),
            StoreRows::run)
        .orElseThrow(() -> Jdbc.unknown("run", id));
  }

  static RunRecord run(ResultSet rows) throws SQLException {
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
        runStatus(rows),
        result(rows, "conclusion"),
        SqlTimes.get(rows, "created_at"),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }

  static RunDetails runDetails(ResultSet rows) throws SQLException {
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

  static JobRecord job(ResultSet rows) throws SQLException {
    return new JobRecord(
        rows.getLong("id"),
        rows.getLong("run_id"),
        rows.getString("job_key"),
        rows.getString("name"),
        runStatus(rows),
        result(rows, "conclusion"),
        JsonMaps.read(rows.getString("outputs")),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }

  static StepRecord step(ResultSet rows) throws SQLException {
    return new StepRecord(
        rows.getLong("id"),
        rows.getLong("job_id"),
        rows.getInt("number"),
        rows.getString("name"),
        runStatus(rows),
        result(rows, "outcome"),
        result(rows, "conclusion"),
        JsonMaps.read(rows.getString("outputs")),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }

  static StatusRecord status(ResultSet rows) throws SQLException {
    return new StatusRecord(
        rows.getLong("id"),
        rows.getLong("run_id"),
        rows.getString("repository"),
        rows.getString("sha"),
        CommitState.parse(rows.getString("state")),
        rows.getString("context"),
        rows.getString("description"),
        rows.getString("target_url"),
        rows.getInt("attempts"),
        rows.getString("last_error"),
        SqlTimes.get(rows, "next_attempt_at"),
        SqlTimes.get(rows, "delivered_at"));
  }

  /**
   * The {@code status} column of a run, job, step or queued job as a value. The one place, with
   * {@link #result}, where stored status words become values (they are written with {@link
   * RunStatus#name()} and {@link Result#label()}).
   */
  static RunStatus runStatus(ResultSet rows) throws SQLException {
    return RunStatus.parse(rows.getString("status"));
  }

  /** A nullable conclusion or outcome column as a value. */
  static Result result(ResultSet rows, String column) throws SQLException {
    String value = rows.getString(column);
    return value == null ? null : Result.parse(column, value);
  }
}
