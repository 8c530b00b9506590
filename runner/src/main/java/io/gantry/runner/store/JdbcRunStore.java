package io.gantry.runner.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole store over one database (embedded H2 or a shared PostgreSQL): each part is a class of
 * its own over the shared {@link Jdbc} helper, and this class only hands each call to its part.
 */
final class JdbcRunStore implements RunStore {

  private final Jdbc jdbc;
  private final JdbcRunHistory history;
  private final JdbcRunClaims claims;
  private final JdbcCommitStatuses statuses;
  private final JdbcDeliveries deliveries;
  private final JdbcDeployHistory deployHistory;
  private final PostgresBroadcasts broadcasts;

  JdbcRunStore(Database database, Clock clock) {
    this.jdbc = new Jdbc(database);
    this.history = new JdbcRunHistory(jdbc, clock);
    this.claims = new JdbcRunClaims(jdbc);
    this.statuses = new JdbcCommitStatuses(jdbc);
    this.deliveries = new JdbcDeliveries(jdbc);
    this.deployHistory = new JdbcDeployHistory(jdbc);
    this.broadcasts =
        database instanceof PostgresDatabase postgres
            ? new PostgresBroadcasts(jdbc, postgres.settings())
            : null;
  }

  @Override
  public Optional<Broadcasts> broadcasts() {
    return Optional.ofNullable(broadcasts);
  }

  /** The shared helper, for the store's other parts over this database (schedule ticks). */
  Jdbc jdbc() {
    return jdbc;
  }

  /** See {@link Jdbc#truncate}. */
  static String truncate(String text, int maxLength) {
    return Jdbc.truncate(text, maxLength);
  }

  @Override
  public DeployHistory deployHistory() {
    return deployHistory;
  }

  @Override
  public void close() {
    if (broadcasts != null) {
      broadcasts.close();
    }
    jdbc.close();
  }

  // ---- RunHistory ----

  @Override
  public RunRecord createRun(NewRun run) {
    return history.createRun(run);
  }

  @Override
  public void runStarted(long runId, Instant at) {
    history.runStarted(runId, at);
  }

  @Override
  public void runFinished(long runId, Result conclusion, Instant at) {
    history.runFinished(runId, conclusion, at);
  }

  @Override
  public long createJob(long runId, String jobKey, String name) {
    return history.createJob(runId, jobKey, name);
  }

  @Override
  public void jobStarted(long jobId, Instant at) {
    history.jobStarted(jobId, at);
  }

  @Override
  public void jobFinished(long jobId, Result conclusion, Map<String, String> outputs, Instant at) {
    history.jobFinished(jobId, conclusion, outputs, at);
  }

  @Override
  public long stepStarted(long jobId, int number, String name, Instant at) {
    return history.stepStarted(jobId, number, name, at);
  }

  @Override
  public void stepFinished(
      long stepId, Result outcome, Result conclusion, Map<String, String> outputs, Instant at) {
    history.stepFinished(stepId, outcome, conclusion, outputs, at);
  }

  @Override
  public Optional<RunRecord> findRun(long runId) {
    return history.findRun(runId);
  }

  @Override
  public List<RunRecord> listRuns(int limit) {
    return history.listRuns(limit);
  }

  @Override
  public List<RunSummary> page(RunQuery query) {
    return history.page(query);
  }

  @Override
  public List<RunRecord> listRuns(RunFilter filter) {
    return history.listRuns(filter);
  }

  @Override
  public List<JobRecord> jobsOf(long runId) {
    return history.jobsOf(runId);
  }

  @Override
  public List<StepRecord> stepsOf(long jobId) {
    return history.stepsOf(jobId);
  }

  @Override
  public Optional<RunDetails> details(long runId) {
    return history.details(runId);
  }

  // ---- RunClaims ----

  @Override
  public Optional<RunRecord> claimNext(String owner, Instant now, Duration lease) {
    return claims.claimNext(owner, now, lease);
  }

  @Override
  public boolean renewLease(long runId, String owner, Instant until) {
    return claims.renewLease(runId, owner, until);
  }

  @Override
  public boolean renewLease(long runId, String owner, Duration lease) {
    return claims.renewLease(runId, owner, lease);
  }

  @Override
  public List<RunRecord> expireLeases(Instant now) {
    return claims.expireLeases(now);
  }

  @Override
  public void setWaitingReason(long runId, String reason) {
    claims.setWaitingReason(runId, reason);
  }

  @Override
  public RunRecord requestCancel(long runId, Instant now) {
    return claims.requestCancel(runId, now);
  }

  @Override
  public boolean cancelRequested(long runId) {
    return claims.cancelRequested(runId);
  }

  @Override
  public RunRecord createRerun(long runId, String trigger, Instant now, boolean failedOnly) {
    return claims.createRerun(runId, trigger, now, failedOnly);
  }

  // ---- CommitStatuses ----

  @Override
  public long enqueueStatus(NewStatus status) {
    return statuses.enqueueStatus(status);
  }

  @Override
  public List<StatusRecord> dueStatuses(Instant now, int limit) {
    return statuses.dueStatuses(now, limit);
  }

  @Override
  public void statusDelivered(long statusId, Instant at) {
    statuses.statusDelivered(statusId, at);
  }

  @Override
  public boolean takeOutbox(
      String owner, Instant now, Duration lease, java.util.function.Predicate<String> gone) {
    return statuses.takeOutbox(owner, now, lease, gone);
  }

  @Override
  public void releaseOutbox(String owner) {
    statuses.releaseOutbox(owner);
  }

  @Override
  public void statusFailed(long statusId, String error, Instant retryAt) {
    statuses.statusFailed(statusId, error, retryAt);
  }

  @Override
  public List<StatusRecord> statusesOf(long runId) {
    return statuses.statusesOf(runId);
  }

  // ---- Deliveries ----

  @Override
  public boolean recordDelivery(Delivery delivery) {
    return deliveries.recordDelivery(delivery);
  }

  @Override
  public void syncToDisk() {
    deliveries.syncToDisk();
  }

  @Override
  public void forgetDelivery(String forge, String deliveryId) {
    deliveries.forgetDelivery(forge, deliveryId);
  }
}
