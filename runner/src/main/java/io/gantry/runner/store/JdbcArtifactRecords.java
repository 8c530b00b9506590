package io.gantry.runner.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link ArtifactRecords} in the run store's database (table artifacts of V40). */
final class JdbcArtifactRecords implements ArtifactRecords {

  /** SQLSTATE of a unique key violation, in H2 and PostgreSQL alike. */
  private static final String UNIQUE_VIOLATION = "23505";

  private static final String COLUMNS =
      "a.id, a.run_id, r.repository, a.name, a.job, a.file, a.size_bytes, a.files, a.digest,"
          + " a.created_at, a.expires_at FROM artifacts a JOIN runs r ON r.id = a.run_id";

  private final Jdbc jdbc;

  JdbcArtifactRecords(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public Inserted insert(NewArtifact a, boolean replace) {
    return jdbc.inTransaction(
        connection -> {
          Optional<Artifact> existing =
              Jdbc.first(
                  connection,
                  "SELECT " + COLUMNS + " WHERE a.run_id = ? AND a.name = ?",
                  s -> {
                    s.setLong(1, a.runId());
                    s.setString(2, a.name());
                  },
                  JdbcArtifactRecords::row);
          if (existing.isPresent()) {
            if (!replace) {
              return new Inserted(null, null);
            }
            Jdbc.update(
                connection,
                "DELETE FROM artifacts WHERE id = ?",
                s -> s.setLong(1, existing.get().id()));
          }
          long id;
          try {
            id = insertRow(connection, a);
          } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
              // Another job of the run recorded the name since the SELECT above; a delete of the
              // replaced row must not be committed without the new one.
              connection.rollback();
              return new Inserted(null, null);
            }
            throw e;
          }
          Artifact inserted =
              Jdbc.first(
                      connection,
                      "SELECT " + COLUMNS + " WHERE a.id = ?",
                      s -> s.setLong(1, id),
                      JdbcArtifactRecords::row)
                  .orElseThrow(() -> new SQLException("artifact " + id + " vanished"));
          return new Inserted(inserted, existing.orElse(null));
        });
  }

  private static long insertRow(Connection connection, NewArtifact a) throws SQLException {
    return Jdbc.insert(
        connection,
        "run",
        a.runId(),
        "INSERT INTO artifacts (run_id, name, job, file, size_bytes, files, digest, created_at,"
            + " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        s -> {
          s.setLong(1, a.runId());
          s.setString(2, a.name());
          s.setString(3, a.job());
          s.setString(4, a.file());
          s.setLong(5, a.sizeBytes());
          s.setInt(6, a.files());
          s.setString(7, a.digest());
          SqlTimes.set(s, 8, a.createdAt());
          SqlTimes.set(s, 9, a.expiresAt());
        });
  }

  @Override
  public List<Artifact> ofRun(long runId, Instant now) {
    return jdbc.list(
        "SELECT " + COLUMNS + " WHERE a.run_id = ? AND a.expires_at > ? ORDER BY a.name",
        s -> {
          s.setLong(1, runId);
          SqlTimes.set(s, 2, now);
        },
        JdbcArtifactRecords::row);
  }

  @Override
  public Optional<Artifact> find(long id, Instant now) {
    return jdbc.first(
        "SELECT " + COLUMNS + " WHERE a.id = ? AND a.expires_at > ?",
        s -> {
          s.setLong(1, id);
          SqlTimes.set(s, 2, now);
        },
        JdbcArtifactRecords::row);
  }

  @Override
  public List<Long> attempts(long runId, int max) {
    return jdbc.inTransaction(
        connection -> {
          List<Long> chain = new ArrayList<>();
          Long next = runId;
          while (next != null && chain.size() < max && !chain.contains(next)) {
            long id = next;
            Optional<Optional<Long>> previous =
                Jdbc.first(
                    connection,
                    "SELECT rerun_of FROM runs WHERE id = ?",
                    s -> s.setLong(1, id),
                    rows -> {
                      long value = rows.getLong("rerun_of");
                      return rows.wasNull() ? Optional.<Long>empty() : Optional.of(value);
                    });
            if (previous.isEmpty()) {
              break;
            }
            chain.add(id);
            next = previous.get().orElse(null);
          }
          return List.copyOf(chain);
        });
  }

  @Override
  public List<Artifact> expired(Instant now, int limit) {
    return jdbc.list(
        "SELECT " + COLUMNS + " WHERE a.expires_at <= ? ORDER BY a.expires_at, a.id LIMIT ?",
        s -> {
          SqlTimes.set(s, 1, now);
          s.setInt(2, limit);
        },
        JdbcArtifactRecords::row);
  }

  @Override
  public boolean delete(long id) {
    return jdbc.inTransaction(
        connection ->
            Jdbc.update(connection, "DELETE FROM artifacts WHERE id = ?", s -> s.setLong(1, id))
                > 0);
  }

  private static Artifact row(ResultSet rows) throws SQLException {
    return new Artifact(
        rows.getLong("id"),
        rows.getLong("run_id"),
        rows.getString("repository"),
        rows.getString("name"),
        rows.getString("job"),
        rows.getString("file"),
        rows.getLong("size_bytes"),
        rows.getInt("files"),
        rows.getString("digest"),
        SqlTimes.get(rows, "created_at"),
        SqlTimes.get(rows, "expires_at"));
  }
}
