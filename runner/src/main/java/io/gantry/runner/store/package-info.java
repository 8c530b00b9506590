/**
 * The store: an embedded H2 database or a shared PostgreSQL one, migrated by Flyway, split by
 * consumer. Each interface is what one consumer needs, each implemented by one class over the
 * shared JDBC helper {@code Jdbc} (transaction, retry, binding, row mapping: the pattern written
 * once), and each table is written by exactly one of them:
 *
 * <table>
 *   <caption>Interfaces, implementations and the tables they write</caption>
 *   <tr><th>interface</th><th>implementation</th><th>tables</th><th>consumer</th></tr>
 *   <tr><td>{@link io.gantry.runner.store.RunHistory}</td><td>{@code JdbcRunHistory}</td>
 *       <td>runs, run_counters, jobs, steps</td>
 *       <td>the executor's {@code RunRecorder}; the API, CLI, reruns (reading)</td></tr>
 *   <tr><td>{@link io.gantry.runner.store.RunClaims}</td><td>{@code JdbcRunClaims}</td>
 *       <td>runs (queue columns: lease, waiting reason, cancel flag; reruns)</td>
 *       <td>the server's workers, lease sweeper and API</td></tr>
 *   <tr><td>{@link io.gantry.runner.store.CommitStatuses}</td><td>{@code JdbcCommitStatuses}</td>
 *       <td>statuses</td><td>the server's status outbox</td></tr>
 *   <tr><td>{@link io.gantry.runner.store.Deliveries}</td><td>{@code JdbcDeliveries}</td>
 *       <td>deliveries</td><td>the server's webhook endpoint</td></tr>
 *   <tr><td>{@link io.gantry.runner.store.DeployHistory}</td><td>{@code JdbcDeployHistory}</td>
 *       <td>deployments, deploy_locks</td><td>the deploy actions, {@code gantry rollback}</td></tr>
 * </table>
 *
 * <p>{@link io.gantry.runner.store.RunStore} is all of them over one database, for the code that
 * wires Gantry together ({@link io.gantry.runner.store.Stores#openEmbedded}). Statuses written are
 * typed ({@link io.gantry.runner.store.Result}, {@link io.gantry.runner.store.CommitState}, {@link
 * io.gantry.runner.store.RunStatus}); records read back carry their stored names. SQL stays within
 * what H2 and PostgreSQL both accept.
 */
package io.gantry.runner.store;
