package io.gantry.runner.store;

import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.Optional;

/** {@link ScheduleTicks} in the run store's database (table schedule_ticks of V20). */
final class JdbcScheduleTicks implements ScheduleTicks {

  /** SQLSTATE of a unique key violation, in H2 and PostgreSQL alike. */
  private static final String UNIQUE_VIOLATION = "23505";

  private final Jdbc jdbc;

  JdbcScheduleTicks(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public boolean take(
      String repository,
      String workflowFile,
      String cron,
      Instant tick,
      boolean fired,
      Instant now) {
    return jdbc.inTransaction(
        connection -> {
          // PostgreSQL aborts the transaction on the duplicate unless rolled back to a savepoint.
          Savepoint before = connection.setSavepoint();
          try {
            Jdbc.update(
                connection,
                "INSERT INTO schedule_ticks (repository, workflow_file, cron, tick, fired,"
                    + " recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                insert -> {
                  insert.setString(1, repository);
                  insert.setString(2, workflowFile);
                  insert.setString(3, cron);
                  SqlTimes.set(insert, 4, tick);
                  insert.setBoolean(5, fired);
                  SqlTimes.set(insert, 6, now);
                });
            return true;
          } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
              connection.rollback(before);
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public void ranAs(String repository, String workflowFile, String cron, Instant tick, long runId) {
    jdbc.inTransaction(
        connection ->
            Jdbc.update(
                connection,
                "UPDATE schedule_ticks SET run_id = ? WHERE repository = ? AND workflow_file = ?"
                    + " AND cron = ? AND tick = ?",
                update -> {
                  update.setLong(1, runId);
                  update.setString(2, repository);
                  update.setString(3, workflowFile);
                  update.setString(4, cron);
                  SqlTimes.set(update, 5, tick);
                }));
  }

  @Override
  public Optional<Instant> last(String repository, String workflowFile, String cron) {
    return jdbc.first(
            "SELECT MAX(tick) AS last_tick FROM schedule_ticks WHERE repository = ? AND"
                + " workflow_file = ? AND cron = ?",
            select -> {
              select.setString(1, repository);
              select.setString(2, workflowFile);
              select.setString(3, cron);
            },
            rows -> Optional.ofNullable(SqlTimes.get(rows, "last_tick")))
        .flatMap(last -> last);
  }
}
