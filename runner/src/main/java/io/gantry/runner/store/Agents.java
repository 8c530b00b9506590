package io.gantry.runner.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The registered {@code gantry agent} processes: a name, the SHA-256 of the agent's token (never
 * the token), the labels it carries, the version and time it last called, and whether it was
 * revoked. Thread-safe; every method commits before it returns.
 */
public interface Agents {

  /** The agents kept in the database of {@code store} (from {@link Stores}). */
  static Agents in(RunStore store) {
    if (store instanceof JdbcRunStore jdbc) {
      return new JdbcAgents(jdbc.jdbc());
    }
    throw new IllegalArgumentException(
        "agents need the JDBC run store, got " + store.getClass().getName());
  }

  /**
   * One agent.
   *
   * @param labels lower case, sorted, without duplicates
   * @param jobsRunning the jobs it holds a lease on now
   */
  record AgentRecord(
      long id,
      String name,
      List<String> labels,
      String version,
      Instant createdAt,
      Instant lastSeenAt,
      Instant revokedAt,
      int jobsRunning) {

    public AgentRecord {
      labels = List.copyOf(labels);
    }

    public boolean revoked() {
      return revokedAt != null;
    }
  }

  /** Thrown by {@link #add} when the name is taken (by a revoked agent too). */
  final class NameTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NameTakenException(String name) {
      super("an agent named '" + name + "' exists already; pick another name");
    }
  }

  /**
   * Registers an agent.
   *
   * @param tokenSha256 the hex SHA-256 of its token
   * @throws NameTakenException when an agent of that name exists, revoked or not
   */
  AgentRecord add(String name, List<String> labels, String tokenSha256, Instant now);

  /** Every agent, by name. */
  List<AgentRecord> list();

  /** The agent whose token has this hash, revoked or not. */
  Optional<AgentRecord> byTokenHash(String tokenSha256);

  /** Revokes the named agent; false when there is none. Revoking twice keeps the first time. */
  boolean revoke(String name, Instant now);

  /** Notes that the agent called, with the version it said it runs. */
  void seen(long id, String version, Instant now);
}
