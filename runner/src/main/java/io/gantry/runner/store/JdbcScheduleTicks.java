package io.gantry.runner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** {@link ScheduleTicks} in the run store's database (table schedule_ticks of V20). */
final class JdbcScheduleTicks implements ScheduleTicks {

  /** SQLSTATE of a unique key violation, in H2 and PostgreSQL alike. */
  private static final String UNIQUE_VIOLATION = "23505";

  private final JdbcRunStore store;

  JdbcScheduleTicks(JdbcRunStore store) {
    this.store = store;
  }

  @Override
  public boolean take(
      String repository, String workflowFile, String cron, Instant tick, boolean fired, Instant now) {
    return store.inTransaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO schedule_ticks (repository, workflow_file, cron, tick, fired,"
                      + " recorded_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, repository);
            insert.setString(2, workflowFile);
            insert.setString(3, cron);
            SqlTimes.set(insert, 4, tick);
            insert.setBoolean(5, fired);
            SqlTimes.set(insert, 6, now);
            insert.executeUpdate();
            return true;
          } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public void ranAs(String repository, String workflowFile, String cron, Instant tick, long runId) {
    store.inTransaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE schedule_ticks SET run_id = ? WHERE repository = ? AND workflow_file = ?"
                      + " AND cron = ? AND tick = ?")) {
            update.setLong(1, runId);
            update.setString(2, repository);
            update.setString(3, workflowFile);
            update.setString(4, cron);
            SqlTimes.set(update, 5, tick);
            return update.executeUpdate();
          }
        });
  }

  @Override
  public Optional<Instant> last(String repository, String workflowFile, String cron) {
    return store.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT MAX(tick) AS last_tick FROM schedule_ticks WHERE repository = ? AND"
                      + " workflow_file = ? AND cron = ?")) {
            select.setString(1, repository);
            select.setString(2, workflowFile);
            select.setString(3, cron);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next()
                  ? Optional.ofNullable(SqlTimes.get(rows, "last_tick"))
                  : Optional.<Instant>empty();
            }
          }
        });
  }
}
