package io.gantry.runner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The deploy history and service leases over JDBC: tables {@code deployments}, {@code
 * deploy_locks}.
 */
final class JdbcDeployHistory implements DeployHistory {

  private static final Set<Outcome> FINAL_OUTCOMES =
      Set.of(Outcome.SUCCEEDED, Outcome.FAILED, Outcome.ROLLED_BACK);
  private static final int MAX_LIMIT = 500;
  private static final int MAX_MESSAGE = 1000;

  private static final String COLUMNS =
      "id, endpoint, cluster, service, task_definition, images, run_id, sha, trigger, kind,"
          + " rollback_of, health_check, outcome, message, started_at, finished_at";

  private final Jdbc jdbc;

  JdbcDeployHistory(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public long started(NewDeployment d) {
    Objects.requireNonNull(d.service(), "service");
    Objects.requireNonNull(d.taskDefinition(), "taskDefinition");
    Objects.requireNonNull(d.kind(), "kind");
    return jdbc.insert(
        null,
        0,
        "INSERT INTO deployments (endpoint, cluster, service, task_definition, images,"
            + " run_id, sha, trigger, kind, rollback_of, health_check, outcome,"
            + " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        insert -> {
          insert.setString(1, d.service().endpoint());
          insert.setString(2, d.service().cluster());
          insert.setString(3, d.service().service());
          insert.setString(4, d.taskDefinition());
          insert.setString(5, String.join("\n", d.images()));
          setLong(insert, 6, d.runId());
          insert.setString(7, d.sha());
          insert.setString(8, d.trigger());
          insert.setString(9, d.kind().label());
          setLong(insert, 10, d.rollbackOf());
          insert.setString(11, d.healthCheck());
          insert.setString(12, Outcome.IN_PROGRESS.label());
          SqlTimes.set(insert, 13, d.startedAt());
        });
  }

  @Override
  public void finished(long id, Outcome outcome, String message, Instant at) {
    if (!FINAL_OUTCOMES.contains(outcome)) {
      throw new IllegalArgumentException(
          "outcome must be one of " + FINAL_OUTCOMES + ", got " + outcome);
    }
    String shortMessage =
        message == null || message.length() <= MAX_MESSAGE
            ? message
            : message.substring(0, MAX_MESSAGE - 3) + "...";
    jdbc.update(
        "deployment",
        id,
        "UPDATE deployments SET outcome = ?, message = ?, finished_at = ? WHERE id = ?",
        update -> {
          update.setString(1, outcome.label());
          update.setString(2, shortMessage);
          SqlTimes.set(update, 3, at);
          update.setLong(4, id);
        });
  }

  @Override
  public void recordHealthCheck(long id, String healthCheck) {
    jdbc.update(
        "deployment",
        id,
        "UPDATE deployments SET health_check = ? WHERE id = ?",
        update -> {
          update.setString(1, healthCheck);
          update.setLong(2, id);
        });
  }

  @Override
  public Optional<Deployment> find(long id) {
    return jdbc.first(
        "SELECT " + COLUMNS + " FROM deployments WHERE id = ?",
        select -> select.setLong(1, id),
        JdbcDeployHistory::deployment);
  }

  @Override
  public List<Deployment> list(ServiceKey service, int limit) {
    int rows = Math.max(1, Math.min(MAX_LIMIT, limit));
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM deployments"
            + " WHERE endpoint = ? AND cluster = ? AND service = ?"
            + " ORDER BY id DESC FETCH FIRST "
            + rows
            + " ROWS ONLY",
        select -> bindService(select, service),
        JdbcDeployHistory::deployment);
  }

  @Override
  public List<Deployment> inProgress(int limit) {
    int rows = Math.max(1, Math.min(MAX_LIMIT, limit));
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM deployments WHERE outcome = ?"
            + " ORDER BY id FETCH FIRST "
            + rows
            + " ROWS ONLY",
        select -> select.setString(1, Outcome.IN_PROGRESS.label()),
        JdbcDeployHistory::deployment);
  }

  @Override
  public List<Deployment> services() {
    return jdbc.list(
        "SELECT "
            + COLUMNS
            + " FROM deployments WHERE id IN"
            + " (SELECT MAX(id) FROM deployments GROUP BY endpoint, cluster, service)"
            + " ORDER BY cluster, service, endpoint FETCH FIRST "
            + MAX_LIMIT
            + " ROWS ONLY",
        select -> {},
        JdbcDeployHistory::deployment);
  }

  @Override
  public Optional<Deployment> lastKnownGood(ServiceKey service, long beforeId) {
    return jdbc.first(
        "SELECT "
            + COLUMNS
            + " FROM deployments"
            + " WHERE endpoint = ? AND cluster = ? AND service = ? AND outcome = ?"
            + " AND id < ? ORDER BY id DESC FETCH FIRST 1 ROWS ONLY",
        select -> {
          bindService(select, service);
          select.setString(4, Outcome.SUCCEEDED.label());
          select.setLong(5, beforeId);
        },
        JdbcDeployHistory::deployment);
  }

  private record Lock(String owner, String holder, Instant expires) {}

  @Override
  public Optional<String> tryLock(
      ServiceKey service, String owner, String holder, Instant now, Duration lease) {
    String key = lockKey(service);
    return jdbc.inTransaction(
        connection -> {
          Optional<Lock> held =
              Jdbc.first(
                  connection,
                  "SELECT owner, holder, expires_at FROM deploy_locks WHERE lock_key = ?"
                      + " FOR UPDATE",
                  select -> select.setString(1, key),
                  rows ->
                      new Lock(
                          rows.getString("owner"),
                          rows.getString("holder"),
                          SqlTimes.get(rows, "expires_at")));
          if (held.isPresent()) {
            Lock lock = held.get();
            if (!owner.equals(lock.owner()) && lock.expires().isAfter(now)) {
              return Optional.of(lock.holder());
            }
            Jdbc.update(
                connection,
                "UPDATE deploy_locks SET owner = ?, holder = ?, expires_at = ? WHERE lock_key = ?",
                update -> {
                  update.setString(1, owner);
                  update.setString(2, holder);
                  SqlTimes.set(update, 3, now.plus(lease));
                  update.setString(4, key);
                });
            return Optional.empty();
          }
          // A racing insert of the same key fails with a duplicate key, which inTransaction
          // retries: the retry then finds the row and reports its holder.
          Jdbc.update(
              connection,
              "INSERT INTO deploy_locks (lock_key, owner, holder, expires_at) VALUES (?, ?, ?, ?)",
              insert -> {
                insert.setString(1, key);
                insert.setString(2, owner);
                insert.setString(3, holder);
                SqlTimes.set(insert, 4, now.plus(lease));
              });
          return Optional.empty();
        });
  }

  @Override
  public boolean renewLock(ServiceKey service, String owner, Instant until) {
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    "UPDATE deploy_locks SET expires_at = ? WHERE lock_key = ? AND owner = ?",
                    update -> {
                      SqlTimes.set(update, 1, until);
                      update.setString(2, lockKey(service));
                      update.setString(3, owner);
                    })
                == 1);
  }

  @Override
  public void unlock(ServiceKey service, String owner) {
    jdbc.inTransaction(
        connection ->
            Jdbc.update(
                connection,
                "DELETE FROM deploy_locks WHERE lock_key = ? AND owner = ?",
                delete -> {
                  delete.setString(1, lockKey(service));
                  delete.setString(2, owner);
                }));
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

  private static Deployment deployment(ResultSet rows) throws SQLException {
    String images = rows.getString("images");
    return new Deployment(
        rows.getLong("id"),
        new ServiceKey(
            rows.getString("endpoint"), rows.getString("cluster"), rows.getString("service")),
        rows.getString("task_definition"),
        images == null || images.isEmpty() ? List.of() : Arrays.asList(images.split("\n")),
        getLong(rows, "run_id"),
        rows.getString("sha"),
        rows.getString("trigger"),
        Kind.parse(rows.getString("kind")),
        getLong(rows, "rollback_of"),
        rows.getString("health_check"),
        Outcome.parse(rows.getString("outcome")),
        rows.getString("message"),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }
}
