package io.gantry.runner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** The deploy history and service leases in the run store's database (tables of V5). */
final class JdbcDeployHistory implements DeployHistory {

  private static final Set<String> FINAL_OUTCOMES = Set.of(SUCCEEDED, FAILED, ROLLED_BACK);
  private static final int MAX_LIMIT = 500;
  private static final int MAX_MESSAGE = 1000;

  private static final String COLUMNS =
      "id, endpoint, cluster, service, task_definition, images, run_id, sha, trigger, kind,"
          + " rollback_of, health_check, outcome, message, started_at, finished_at";

  private final JdbcRunStore store;

  JdbcDeployHistory(JdbcRunStore store) {
    this.store = store;
  }

  @Override
  public long started(NewDeployment d) {
    Objects.requireNonNull(d.service(), "service");
    Objects.requireNonNull(d.taskDefinition(), "taskDefinition");
    if (!DEPLOY.equals(d.kind()) && !ROLLBACK.equals(d.kind())) {
      throw new IllegalArgumentException("kind must be deploy or rollback, got " + d.kind());
    }
    return store.inTransaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO deployments (endpoint, cluster, service, task_definition, images,"
                      + " run_id, sha, trigger, kind, rollback_of, health_check, outcome,"
                      + " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, d.service().endpoint());
            insert.setString(2, d.service().cluster());
            insert.setString(3, d.service().service());
            insert.setString(4, d.taskDefinition());
            insert.setString(5, String.join("\n", d.images()));
            setLong(insert, 6, d.runId());
            insert.setString(7, d.sha());
            insert.setString(8, d.trigger());
            insert.setString(9, d.kind());
            setLong(insert, 10, d.rollbackOf());
            insert.setString(11, d.healthCheck());
            insert.setString(12, IN_PROGRESS);
            SqlTimes.set(insert, 13, d.startedAt());
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
              if (!keys.next()) {
                throw new SQLException("The database returned no generated id");
              }
              return keys.getLong(1);
            }
          }
        });
  }

  @Override
  public void finished(long id, String outcome, String message, Instant at) {
    if (!FINAL_OUTCOMES.contains(outcome)) {
      throw new IllegalArgumentException(
          "outcome must be one of " + FINAL_OUTCOMES + ", got " + outcome);
    }
    String shortMessage =
        message == null || message.length() <= MAX_MESSAGE
            ? message
            : message.substring(0, MAX_MESSAGE - 3) + "...";
    store.inTransaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE deployments SET outcome = ?, message = ?, finished_at = ? WHERE id = ?")) {
            update.setString(1, outcome);
            update.setString(2, shortMessage);
            SqlTimes.set(update, 3, at);
            update.setLong(4, id);
            if (update.executeUpdate() == 0) {
              throw new IllegalArgumentException("No deployment with id " + id);
            }
            return null;
          }
        });
  }

  @Override
  public void recordHealthCheck(long id, String healthCheck) {
    store.inTransaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE deployments SET health_check = ? WHERE id = ?")) {
            update.setString(1, healthCheck);
            update.setLong(2, id);
            if (update.executeUpdate() == 0) {
              throw new IllegalArgumentException("No deployment with id " + id);
            }
            return null;
          }
        });
  }

  @Override
  public Optional<Deployment> find(long id) {
    return store.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + COLUMNS + " FROM deployments WHERE id = ?")) {
            select.setLong(1, id);
            List<Deployment> found = read(select);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
          }
        });
  }

  @Override
  public List<Deployment> list(ServiceKey service, int limit) {
    int rows = Math.max(1, Math.min(MAX_LIMIT, limit));
    return store.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + COLUMNS + " FROM deployments"
                      + " WHERE endpoint = ? AND cluster = ? AND service = ?"
                      + " ORDER BY id DESC FETCH FIRST " + rows + " ROWS ONLY")) {
            bindService(select, service);
            return read(select);
          }
        });
  }

  @Override
  public List<Deployment> services() {
    return store.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + COLUMNS + " FROM deployments WHERE id IN"
                      + " (SELECT MAX(id) FROM deployments GROUP BY endpoint, cluster, service)"
                      + " ORDER BY cluster, service, endpoint FETCH FIRST " + MAX_LIMIT + " ROWS ONLY")) {
            return read(select);
          }
        });
  }

  @Override
  public Optional<Deployment> lastKnownGood(ServiceKey service, long beforeId) {
    return store.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + COLUMNS + " FROM deployments"
                      + " WHERE endpoint = ? AND cluster = ? AND service = ? AND outcome = ?"
                      + " AND id < ? ORDER BY id DESC FETCH FIRST 1 ROWS ONLY")) {
            bindService(select, service);
            select.setString(4, SUCCEEDED);
            select.setLong(5, beforeId);
            List<Deployment> found = read(select);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
          }
        });
  }

  @Override
  public Optional<String> tryLock(
      ServiceKey service, String owner, String holder, Instant now, Duration lease) {
    String key = lockKey(service);
    return store.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT owner, holder, expires_at FROM deploy_locks WHERE lock_key = ?"
                      + " FOR UPDATE")) {
            select.setString(1, key);
            try (ResultSet rows = select.executeQuery()) {
              if (rows.next()) {
                Instant expires = SqlTimes.get(rows, "expires_at");
                if (!owner.equals(rows.getString("owner")) && expires.isAfter(now)) {
                  return Optional.of(rows.getString("holder"));
                }
                try (PreparedStatement update =
                    connection.prepareStatement(
                        "UPDATE deploy_locks SET owner = ?, holder = ?, expires_at = ?"
                            + " WHERE lock_key = ?")) {
                  update.setString(1, owner);
                  update.setString(2, holder);
                  SqlTimes.set(update, 3, now.plus(lease));
                  update.setString(4, key);
                  update.executeUpdate();
                }
                return Optional.empty();
              }
            }
          }
          // A racing insert of the same key fails with a duplicate key, which inTransaction
          // retries: the retry then finds the row and reports its holder.
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO deploy_locks (lock_key, owner, holder, expires_at)"
                      + " VALUES (?, ?, ?, ?)")) {
            insert.setString(1, key);
            insert.setString(2, owner);
            insert.setString(3, holder);
            SqlTimes.set(insert, 4, now.plus(lease));
            insert.executeUpdate();
          }
          return Optional.empty();
        });
  }

  @Override
  public boolean renewLock(ServiceKey service, String owner, Instant until) {
    return store.inTransaction(
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE deploy_locks SET expires_at = ? WHERE lock_key = ? AND owner = ?")) {
            SqlTimes.set(update, 1, until);
            update.setString(2, lockKey(service));
            update.setString(3, owner);
            return update.executeUpdate() == 1;
          }
        });
  }

  @Override
  public void unlock(ServiceKey service, String owner) {
    store.inTransaction(
        connection -> {
          try (PreparedStatement delete =
              connection.prepareStatement(
                  "DELETE FROM deploy_locks WHERE lock_key = ? AND owner = ?")) {
            delete.setString(1, lockKey(service));
            delete.setString(2, owner);
            delete.executeUpdate();
            return null;
          }
        });
  }

  private static String lockKey(ServiceKey service) {
    return service.endpoint() + " " + service.cluster() + " " + service.service();
  }

  private static void bindService(PreparedStatement statement, ServiceKey service)
      throws SQLException {
    statement.setString(1, service.endpoint());
    statement.setString(2, service.cluster());
    statement.setString(3, service.service());
  }

  private static void setLong(PreparedStatement statement, int index, Long value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, value);
    }
  }

  private static Long getLong(ResultSet rows, String column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? null : value;
  }

  private static List<Deployment> read(PreparedStatement select) throws SQLException {
    List<Deployment> out = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        String images = rows.getString("images");
        out.add(
            new Deployment(
                rows.getLong("id"),
                new ServiceKey(
                    rows.getString("endpoint"), rows.getString("cluster"), rows.getString("service")),
                rows.getString("task_definition"),
                images == null || images.isEmpty() ? List.of() : Arrays.asList(images.split("\n")),
                getLong(rows, "run_id"),
                rows.getString("sha"),
                rows.getString("trigger"),
                rows.getString("kind"),
                getLong(rows, "rollback_of"),
                rows.getString("health_check"),
                rows.getString("outcome"),
                rows.getString("message"),
                SqlTimes.get(rows, "started_at"),
                SqlTimes.get(rows, "finished_at")));
      }
    }
    return out;
  }
}
