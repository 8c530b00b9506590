package io.gantry.runner.store;

/**
 * The whole store over one database, for the code that wires Gantry together: each consumer takes
 * only its part — {@link RunHistory} (the executor's recorder, the API), {@link RunClaims} (the
 * server's workers), {@link CommitStatuses} (the status outbox), {@link Deliveries} (the webhook
 * endpoint) and {@link DeployHistory} (the deploy actions and {@code gantry rollback}).
 *
 * <p>Thread-safe; every method commits before returning.
 */
public interface RunStore extends RunHistory, RunClaims, CommitStatuses, Deliveries, AutoCloseable {

  /** The deploy history kept in the same database. */
  DeployHistory deployHistory();

  /**
   * Messages to the other processes sharing this store: present on PostgreSQL, empty on the
   * embedded store (whose processes share one machine and its files).
   */
  default java.util.Optional<Broadcasts> broadcasts() {
    return java.util.Optional.empty();
  }

  @Override
  void close();
}
