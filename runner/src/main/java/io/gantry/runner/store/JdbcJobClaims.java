package io.gantry.runner.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@link JobQueue} over JDBC (table job_queue of V60). Claims go as {@link JdbcRunClaims}' do: find
 * candidates without locking, then lock one row with {@code FOR UPDATE SKIP LOCKED} and take it
 * only if it is still QUEUED; labels are matched here rather than in SQL (a few short lists).
 */
final class JdbcJobClaims implements JobQueue {

  private static final String COLUMNS =
      "id, run_id, job_key, name, labels, spec, status, agent_id, result, interrupted,"
          + " queued_at, started_at, finished_at";

  /** How many of the oldest QUEUED jobs a claim looks through for one its agent may take. */
  private static final int CANDIDATES = 50;

  /** How many ids one {@link #completedAmong} query names. */
  private static final int IDS_PER_QUERY = 200;

  private record Candidate(long id, List<String> labels) {}

  private final Jdbc jdbc;

  JdbcJobClaims(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public long enqueue(
      long runId, String jobKey, String name, List<String> labels, String spec, Instant now) {
    String stored = String.join(",", JdbcAgents.normalize(labels));
    return jdbc.insert(
        "run",
        runId,
        "INSERT INTO job_queue (run_id, job_key, name, labels, spec, status, queued_at)"
            + " VALUES (?, ?, ?, ?, ?, 'QUEUED', ?)",
        s -> {
          s.setLong(1, runId);
          s.setString(2, jobKey);
          s.setString(3, Jdbc.truncate(name, 1000));
          s.setString(4, stored);
          s.setString(5, spec);
          SqlTimes.set(s, 6, now);
        });
  }

  @Override
  public Optional<QueuedJob> claim(
      long agentId, List<String> agentLabels, Instant now, Duration lease) {
    Set<String> carried = new HashSet<>(JdbcAgents.normalize(agentLabels));
    long leaseMillis = lease.toMillis();
    String until = jdbc.dialect().nowPlusMillis();
    return jdbc.inTransaction(
        connection -> {
          // Only ids and labels: a candidate's spec is read once it is taken.
          List<Candidate> candidates =
              Jdbc.list(
                  connection,
                  "SELECT id, labels FROM job_queue WHERE status = 'QUEUED' ORDER BY id FETCH"
                      + " FIRST ? ROWS ONLY",
                  s -> s.setInt(1, CANDIDATES),
                  rows -> new Candidate(rows.getLong(1), JdbcAgents.split(rows.getString(2))));
          for (Candidate job : candidates) {
            if (!carried.containsAll(job.labels())) {
              continue;
            }
            if (lock(connection, job.id())
                && take(connection, job.id(), agentId, now, until, leaseMillis)) {
              return Jdbc.first(
                  connection,
                  "SELECT " + COLUMNS + " FROM job_queue WHERE id = ?",
                  s -> s.setLong(1, job.id()),
                  JdbcJobClaims::read);
            }
          }
          return Optional.empty();
        });
  }

  /** Locks a QUEUED row; false when it is taken or another claimer holds its lock. */
  private static boolean lock(Connection connection, long id) throws SQLException {
    return Jdbc.first(
            connection,
            "SELECT id FROM job_queue WHERE id = ? AND status = 'QUEUED' FOR UPDATE SKIP LOCKED",
            s -> s.setLong(1, id),
            rows -> true)
        .isPresent();
  }

  /** Takes a locked QUEUED row; its lease ends {@code until} (on the database's clock). */
  private static boolean take(
      Connection connection, long id, long agentId, Instant now, String until, long leaseMillis)
      throws SQLException {
    return Jdbc.update(
            connection,
            "UPDATE job_queue SET status = 'IN_PROGRESS', agent_id = ?, started_at = ?,"
                + " lease_expires_at = "
                + until
                + " WHERE id = ? AND status = 'QUEUED'",
            s -> {
              s.setLong(1, agentId);
              SqlTimes.set(s, 2, now);
              s.setLong(3, leaseMillis);
              s.setLong(4, id);
            })
        == 1;
  }

  @Override
  public boolean renew(long jobId, long agentId, Duration lease) {
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    "UPDATE job_queue SET lease_expires_at = "
                        + jdbc.dialect().nowPlusMillis()
                        + " WHERE id = ? AND agent_id = ? AND status = 'IN_PROGRESS'",
                    s -> {
                      s.setLong(1, lease.toMillis());
                      s.setLong(2, jobId);
                      s.setLong(3, agentId);
                    })
                == 1);
  }

  @Override
  public void together(Runnable work) {
    jdbc.together(work);
  }

  @Override
  public boolean complete(long jobId, long agentId, String result, Instant now) {
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    "UPDATE job_queue SET status = 'COMPLETED', result = ?, finished_at = ?,"
                        + " lease_expires_at = NULL WHERE id = ? AND agent_id = ?"
                        + " AND status = 'IN_PROGRESS'",
                    s -> {
                      s.setString(1, result);
                      SqlTimes.set(s, 2, now);
                      s.setLong(3, jobId);
                      s.setLong(4, agentId);
                    })
                == 1);
  }

  @Override
  public boolean withdraw(long jobId, Instant now) {
    return updateOne(
        "UPDATE job_queue SET status = 'COMPLETED', finished_at = ? WHERE id = ?"
            + " AND status = 'QUEUED'",
        now,
        jobId);
  }

  @Override
  public boolean requeue(long jobId, Instant now) {
    return updateOne(
        "UPDATE job_queue SET status = 'QUEUED', agent_id = NULL, result = NULL,"
            + " interrupted = FALSE, lease_expires_at = NULL, started_at = NULL,"
            + " finished_at = NULL, queued_at = ? WHERE id = ? AND status = 'COMPLETED'"
            + " AND interrupted = TRUE",
        now,
        jobId);
  }

  /** Runs {@code sql} (parameters: a time, then a job's id) alone; true when it changed the row. */
  private boolean updateOne(String sql, Instant now, long jobId) {
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    sql,
                    s -> {
                      SqlTimes.set(s, 1, now);
                      s.setLong(2, jobId);
                    })
                == 1);
  }

  @Override
  public Optional<QueuedJob> find(long jobId) {
    return jdbc.first(
        "SELECT " + COLUMNS + " FROM job_queue WHERE id = ?",
        s -> s.setLong(1, jobId),
        JdbcJobClaims::read);
  }

  @Override
  public boolean holdsJobOf(long agentId, long runId) {
    return jdbc.first(
            "SELECT id FROM job_queue WHERE run_id = ? AND agent_id = ? AND status = 'IN_PROGRESS'"
                + " FETCH FIRST 1 ROWS ONLY",
            s -> {
              s.setLong(1, runId);
              s.setLong(2, agentId);
            },
            rows -> true)
        .isPresent();
  }

  @Override
  public Set<Long> completedAmong(Collection<Long> jobIds) {
    List<Long> ids = List.copyOf(jobIds);
    Set<Long> out = new HashSet<>();
    for (int from = 0; from < ids.size(); from += IDS_PER_QUERY) {
      List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_QUERY));
      out.addAll(
          jdbc.list(
              "SELECT id FROM job_queue WHERE status = 'COMPLETED' AND id IN ("
                  + String.join(", ", Collections.nCopies(chunk.size(), "?"))
                  + ")",
              s -> {
                for (int i = 0; i < chunk.size(); i++) {
                  s.setLong(i + 1, chunk.get(i));
                }
              },
              rows -> rows.getLong(1)));
    }
    return out;
  }

  @Override
  public List<QueuedJob> queuedOf(long runId) {
    return jdbc.list(
        "SELECT " + COLUMNS + " FROM job_queue WHERE run_id = ? AND status = 'QUEUED' ORDER BY id",
        s -> s.setLong(1, runId),
        JdbcJobClaims::read);
  }

  @Override
  public List<QueuedJob> ofRun(long runId) {
    return jdbc.list(
        "SELECT " + COLUMNS + " FROM job_queue WHERE run_id = ? ORDER BY id",
        s -> s.setLong(1, runId),
        JdbcJobClaims::read);
  }

  /** Compares with the database's clock; {@code now} is only what the jobs record as their end. */
  @Override
  public boolean runInProgress(long jobId) {
    return jdbc.first(
            "SELECT q.id FROM job_queue q JOIN runs r ON r.id = q.run_id WHERE q.id = ?"
                + " AND q.status = 'IN_PROGRESS' AND r.status = 'IN_PROGRESS'",
            s -> s.setLong(1, jobId),
            rows -> true)
        .isPresent();
  }

  @Override
  public boolean keepEvents(long jobId, String events) {
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(
                    connection,
                    "INSERT INTO job_events (job_id, events) SELECT q.id, ? FROM job_queue q"
                        + " JOIN runs r ON r.id = q.run_id WHERE q.id = ?"
                        + " AND q.status = 'IN_PROGRESS' AND r.status = 'IN_PROGRESS'",
                    s -> {
                      s.setString(1, events);
                      s.setLong(2, jobId);
                    })
                == 1);
  }

  @Override
  public List<String> takeEvents(long jobId) {
    return jdbc.inTransaction(
        connection -> {
          record Kept(long id, String events) {}
          List<Kept> kept =
              Jdbc.list(
                  connection,
                  "SELECT id, events FROM job_events WHERE job_id = ? ORDER BY id",
                  s -> s.setLong(1, jobId),
                  rows -> new Kept(rows.getLong(1), rows.getString(2)));
          if (kept.isEmpty()) {
            return List.of();
          }
          long last = kept.get(kept.size() - 1).id();
          Jdbc.update(
              connection,
              "DELETE FROM job_events WHERE job_id = ? AND id <= ?",
              s -> {
                s.setLong(1, jobId);
                s.setLong(2, last);
              });
          return kept.stream().map(Kept::events).toList();
        });
  }

  @Override
  public List<QueuedJob> expireLeases(Instant now) {
    return jdbc.inTransaction(
        connection -> {
          List<QueuedJob> expired =
              Jdbc.list(
                  connection,
                  "SELECT "
                      + COLUMNS
                      + " FROM job_queue WHERE status = 'IN_PROGRESS'"
                      + " AND lease_expires_at < CURRENT_TIMESTAMP ORDER BY id FOR UPDATE SKIP"
                      + " LOCKED",
                  s -> {},
                  JdbcJobClaims::read);
          for (QueuedJob job : expired) {
            Jdbc.update(
                connection,
                "UPDATE job_queue SET status = 'COMPLETED', interrupted = TRUE, finished_at = ?,"
                    + " lease_expires_at = NULL WHERE id = ?",
                s -> {
                  SqlTimes.set(s, 1, now);
                  s.setLong(2, job.id());
                });
          }
          return expired;
        });
  }

  private static QueuedJob read(ResultSet rows) throws SQLException {
    long agent = rows.getLong("agent_id");
    Long agentId = rows.wasNull() ? null : agent;
    return new QueuedJob(
        rows.getLong("id"),
        rows.getLong("run_id"),
        rows.getString("job_key"),
        rows.getString("name"),
        JdbcAgents.split(rows.getString("labels")),
        rows.getString("spec"),
        StoreRows.runStatus(rows),
        agentId,
        rows.getString("result"),
        rows.getBoolean("interrupted"),
        SqlTimes.get(rows, "queued_at"),
        SqlTimes.get(rows, "started_at"),
        SqlTimes.get(rows, "finished_at"));
  }
}
