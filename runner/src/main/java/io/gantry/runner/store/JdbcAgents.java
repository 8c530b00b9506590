package io.gantry.runner.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/** {@link Agents} in the run store's database (table agents of V60). */
final class JdbcAgents implements Agents {

  private static final String COLUMNS =
      "a.id, a.name, a.labels, a.version, a.created_at, a.last_seen_at, a.revoked_at,"
          + " (SELECT COUNT(*) FROM job_queue q WHERE q.agent_id = a.id"
          + " AND q.status = 'IN_PROGRESS') AS running";

  private final Jdbc jdbc;

  JdbcAgents(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public AgentRecord add(String name, List<String> labels, String tokenSha256, Instant now) {
    String stored = String.join(",", normalize(labels));
    return jdbc.inTransaction(
        connection -> {
          // PostgreSQL aborts the transaction on the duplicate unless rolled back to a savepoint.
          Savepoint before = connection.setSavepoint();
          try {
            Jdbc.update(
                connection,
                "INSERT INTO agents (name, token_sha256, labels, created_at) VALUES (?, ?, ?, ?)",
                s -> {
                  s.setString(1, name);
                  s.setString(2, tokenSha256);
                  s.setString(3, stored);
                  SqlTimes.set(s, 4, now);
                });
          } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
              connection.rollback(before);
              throw new NameTakenException(name);
            }
            throw e;
          }
          return Jdbc.first(
                  connection,
                  "SELECT " + COLUMNS + " FROM agents a WHERE a.name = ?",
                  s -> s.setString(1, name),
                  JdbcAgents::read)
              .orElseThrow();
        });
  }

  @Override
  public List<AgentRecord> list() {
    return jdbc.list(
        "SELECT " + COLUMNS + " FROM agents a ORDER BY a.name", s -> {}, JdbcAgents::read);
  }

  @Override
  public Optional<AgentRecord> byTokenHash(String tokenSha256) {
    return jdbc.first(
        "SELECT " + COLUMNS + " FROM agents a WHERE a.token_sha256 = ?",
        s -> s.setString(1, tokenSha256),
        JdbcAgents::read);
  }

  @Override
  public boolean revoke(String name, Instant now) {
    return jdbc.inTransaction(
        connection -> {
          Jdbc.update(
              connection,
              "UPDATE agents SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
              s -> {
                SqlTimes.set(s, 1, now);
                s.setString(2, name);
              });
          return Jdbc.first(
                  connection,
                  "SELECT 1 FROM agents WHERE name = ?",
                  s -> s.setString(1, name),
                  rows -> true)
              .isPresent();
        });
  }

  @Override
  public void seen(long id, String version, Instant now) {
    jdbc.inTransaction(
        connection ->
            Jdbc.update(
                connection,
                "UPDATE agents SET last_seen_at = ?, version = ? WHERE id = ?",
                s -> {
                  SqlTimes.set(s, 1, now);
                  s.setString(2, Jdbc.truncate(version, 100));
                  s.setLong(3, id);
                }));
  }

  /** Lower case, sorted, without duplicates or blanks: labels compare case-insensitively. */
  static List<String> normalize(List<String> labels) {
    TreeSet<String> out = new TreeSet<>();
    for (String label : labels) {
      String l = label.strip().toLowerCase(Locale.ROOT);
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return List.copyOf(out);
  }

  static List<String> split(String stored) {
    return stored == null || stored.isEmpty() ? List.of() : Arrays.asList(stored.split(","));
  }

  private static AgentRecord read(ResultSet rows) throws SQLException {
    return new AgentRecord(
        rows.getLong("id"),
        rows.getString("name"),
        split(rows.getString("labels")),
        rows.getString("version"),
        SqlTimes.get(rows, "created_at"),
        SqlTimes.get(rows, "last_seen_at"),
        SqlTimes.get(rows, "revoked_at"),
        rows.getInt("running"));
  }
}
