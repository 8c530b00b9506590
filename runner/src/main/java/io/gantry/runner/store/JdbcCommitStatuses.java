package io.gantry.runner.store;

import static io.gantry.runner.store.StoreRows.STATUS_COLUMNS;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** The commit-status outbox over JDBC: table {@code statuses}. */
final class JdbcCommitStatuses implements CommitStatuses {

  private static final int MAX_ERROR_LENGTH = 500;

  private final Jdbc jdbc;

  JdbcCommitStatuses(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public long enqueueStatus(NewStatus status) {
    Objects.requireNonNull(status, "status");
    String repository = Objects.requireNonNull(status.repository(), "repository");
    String sha = Objects.requireNonNull(status.sha(), "sha");
    String context = Objects.requireNonNull(status.context(), "context");
    Instant at = Objects.requireNonNull(status.at(), "at");
    CommitState state = Objects.requireNonNull(status.state(), "state");
    return jdbc.insert(
        "run",
        status.runId(),
        "INSERT INTO statuses (run_id, repository, sha, state, context, description, target_url,"
            + " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        s -> {
          s.setLong(1, status.runId());
          s.setString(2, repository);
          s.setString(3, sha);
          s.setString(4, state.label());
          s.setString(5, context);
          s.setString(6, status.description());
          s.setString(7, status.targetUrl());
          SqlTimes.set(s, 8, at);
          SqlTimes.set(s, 9, at);
        });
  }

  @Override
  public List<StatusRecord> dueStatuses(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    return jdbc.list(
        "SELECT "
            + STATUS_COLUMNS
            + " FROM statuses WHERE delivered_at IS NULL"
            + " AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?"
            + " ORDER BY id FETCH FIRST ? ROWS ONLY",
        s -> {
          SqlTimes.set(s, 1, now);
          s.setInt(2, limit);
        },
        StoreRows::status);
  }

  @Override
  public void statusDelivered(long statusId, Instant at) {
    Objects.requireNonNull(at, "at");
    jdbc.update(
        "status",
        statusId,
        "UPDATE statuses SET delivered_at = ? WHERE id = ?",
        s -> {
          SqlTimes.set(s, 1, at);
          s.setLong(2, statusId);
        });
  }

  @Override
  public void statusFailed(long statusId, String error, Instant retryAt) {
    jdbc.update(
        "status",
        statusId,
        "UPDATE statuses SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            + " WHERE id = ?",
        s -> {
          s.setString(1, Jdbc.truncate(error, MAX_ERROR_LENGTH));
          SqlTimes.set(s, 2, retryAt);
          s.setLong(3, statusId);
        });
  }

  @Override
  public List<StatusRecord> statusesOf(long runId) {
    return jdbc.inTransaction(
        connection -> {
          Jdbc.requireExists(connection, "run", "runs", runId);
          return Jdbc.list(
              connection,
              "SELECT " + STATUS_COLUMNS + " FROM statuses WHERE run_id = ? ORDER BY id",
              s -> s.setLong(1, runId),
              StoreRows::status);
        });
  }

  /**
   * The drainer lease is a row of deploy_locks (lock_key, owner, holder, expires_at) under a key no
   * service's lock key takes (those start with the ECS endpoint's URL).
   */
  static final String OUTBOX_KEY = "gantry:status-outbox";

  @Override
  public boolean takeOutbox(
      String owner,
      Instant now,
      java.time.Duration lease,
      java.util.function.Predicate<String> gone) {
    Objects.requireNonNull(owner, "owner");
    // Set and compared on the database's clock (see Dialect.nowPlusMillis): now is unused.
    String until = jdbc.dialect().nowPlusMillis();
    return jdbc.inTransaction(
        connection -> {
          java.util.Optional<Boolean> free =
              Jdbc.first(
                  connection,
                  "SELECT owner, CASE WHEN expires_at <= CURRENT_TIMESTAMP THEN 1 ELSE 0 END"
                      + " AS expired FROM deploy_locks WHERE lock_key = ? FOR UPDATE",
                  s -> s.setString(1, OUTBOX_KEY),
                  rows ->
                      owner.equals(rows.getString("owner"))
                          || rows.getInt("expired") == 1
                          || gone.test(rows.getString("owner")));
          if (free.isPresent() && !free.get()) {
            return false;
          }
          // A racing first insert fails on the key and is tried again by inTransaction, which
          // then finds the row.
          Jdbc.update(
              connection,
              free.isPresent()
                  ? "UPDATE deploy_locks SET owner = ?, holder = ?, expires_at = "
                      + until
                      + " WHERE lock_key = ?"
                  : "INSERT INTO deploy_locks (owner, holder, expires_at, lock_key)"
                      + " VALUES (?, ?, "
                      + until
                      + ", ?)",
              s -> {
                s.setString(1, owner);
                s.setString(2, "status outbox");
                s.setLong(3, lease.toMillis());
                s.setString(4, OUTBOX_KEY);
              });
          return true;
        });
  }

  @Override
  public void releaseOutbox(String owner) {
    jdbc.inTransaction(
        connection ->
            Jdbc.update(
                connection,
                "DELETE FROM deploy_locks WHERE lock_key = ? AND owner = ?",
                s -> {
                  s.setString(1, OUTBOX_KEY);
                  s.setString(2, owner);
                }));
  }
}
