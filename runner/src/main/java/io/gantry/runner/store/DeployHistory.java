package io.gantry.runner.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The record of every deploy of an ECS service, and the lease that lets one deploy of a service run
 * at a time.
 *
 * <p>A service is named by {@link ServiceKey}: endpoint, cluster and service. A deploy is recorded
 * with {@link #started} before the service is touched and concluded with {@link #finished}; the
 * last {@code succeeded} deployment of a service is its <em>known good</em> one, what rollback
 * returns to. Thread-safe; every method commits before it returns, so several processes sharing a
 * data directory see one history.
 *
 * <p>Locks: {@link #tryLock} takes the lease of a service for an owner (one per deploy, unique
 * across processes) until a time, or says who holds it. The holder renews it while it deploys and
 * releases it when done; a lease that runs out (its process died) may be taken by the next.
 */
public interface DeployHistory {

  /** How a deploy stands, as stored (lower case) and shown. */
  enum Outcome {
    IN_PROGRESS,
    SUCCEEDED,
    FAILED,
    /** The deploy failed and the service was returned to an earlier task definition. */
    ROLLED_BACK;

    /** The stored, lower-case name, as the API and the UI show it. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
      return label();
    }

    /**
     * The outcome stored as {@code value}.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Outcome parse(String value) {
      return StoredWords.parse(values(), Outcome::label, "outcome", value);
    }
  }

  /** What a deploy did, as stored (lower case) and shown. */
  enum Kind {
    DEPLOY,
    ROLLBACK;

    /** The stored, lower-case name, as the API and the UI show it. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
      return label();
    }

    /**
     * The kind stored as {@code value}.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Kind parse(String value) {
      return StoredWords.parse(values(), Kind::label, "kind", value);
    }
  }

  /** Records a deploy as in progress; returns its id. */
  long started(NewDeployment deployment);

  /**
   * Concludes a deploy.
   *
   * @param outcome {@link Outcome#SUCCEEDED}, {@link Outcome#FAILED} or {@link Outcome#ROLLED_BACK}
   * @param message why it failed, one line, or null
   */
  void finished(long id, Outcome outcome, String message, Instant at);

  /**
   * Records the health check that passed for a deployment (its settings as JSON, in the form the
   * deploy actions write and read), so that a rollback to it can run the same check again. Replaces
   * an earlier one.
   */
  void recordHealthCheck(long id, String healthCheck);

  Optional<Deployment> find(long id);

  /** The service's deployments, newest first, at most {@code limit}. */
  List<Deployment> list(ServiceKey service, int limit);

  /**
   * The deployments of every service still {@code in_progress}, oldest first, at most {@code
   * limit}: those under way, those not waited for, and those a crash interrupted.
   */
  List<Deployment> inProgress(int limit);

  /** Every service with a recorded deployment, each with its newest one; by cluster and name. */
  List<Deployment> services();

  /** The newest {@code succeeded} deployment of the service with an id below {@code beforeId}. */
  Optional<Deployment> lastKnownGood(ServiceKey service, long beforeId);

  /**
   * Takes the service's lease for {@code owner} until {@code now + lease} when it is free, expired
   * or already {@code owner}'s.
   *
   * @param holder who holds it, for the message a waiting deploy logs (e.g. "run 12 (deploy of
   *     abc123)")
   * @return empty when taken; else the current holder's description
   */
  Optional<String> tryLock(
      ServiceKey service, String owner, String holder, Instant now, Duration lease);

  /** Extends the lease; false when {@code owner} no longer holds it. */
  boolean renewLock(ServiceKey service, String owner, Instant until);

  /** Releases the lease if {@code owner} holds it. */
  void unlock(ServiceKey service, String owner);

  /**
   * A service: where its ECS API is, its cluster's name and its name (names, not ARNs).
   *
   * @param endpoint the ECS endpoint, e.g. {@code https://ecs.eu-west-1.amazonaws.com} or {@code
   *     http://127.0.0.1:4566}
   */
  record ServiceKey(String endpoint, String cluster, String service) {
    @Override
    public String toString() {
      return cluster + "/" + service + " at " + endpoint;
    }
  }

  /**
   * A deploy about to start.
   *
   * @param images the containers' images
   * @param runId the run that deploys, or null
   * @param sha the commit deployed; for a rollback, that of the deployment returned to
   * @param trigger who or what started it, e.g. the run's actor or {@code gantry rollback}
   * @param rollbackOf for a rollback, the deployment it undoes, or null
   * @param healthCheck the health check that judged it, or null
   */
  record NewDeployment(
      ServiceKey service,
      String taskDefinition,
      List<String> images,
      Long runId,
      String sha,
      String trigger,
      Kind kind,
      Long rollbackOf,
      String healthCheck,
      Instant startedAt) {}

  /** A recorded deploy. */
  record Deployment(
      long id,
      ServiceKey service,
      String taskDefinition,
      List<String> images,
      Long runId,
      String sha,
      String trigger,
      Kind kind,
      Long rollbackOf,
      String healthCheck,
      Outcome outcome,
      String message,
      Instant startedAt,
      Instant finishedAt) {}
}
