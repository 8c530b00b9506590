package io.gantry.runner.deploy;

import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One deploy at a time per service: a lease in the deploy history, so runs of this process and of
 * other processes sharing the data directory queue on it alike. Held while the deploy runs (renewed
 * in the background), released on close; a holder whose process dies loses it when the lease runs
 * out.
 */
final class ServiceLock implements AutoCloseable {

  static final Duration LEASE = Duration.ofSeconds(60);
  private static final Duration RENEW_EVERY = Duration.ofSeconds(15);
  private static final Duration RETRY_EVERY = Duration.ofSeconds(1);

  private static final ScheduledExecutorService RENEWALS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "gantry-deploy-lease");
            t.setDaemon(true);
            return t;
          });

  private final DeployHistory history;
  private final ServiceKey service;
  private final String owner;
  private final ScheduledFuture<?> renewal;

  private ServiceLock(
      DeployHistory history, ServiceKey service, String owner, ScheduledFuture<?> renewal) {
    this.history = history;
    this.service = service;
    this.owner = owner;
    this.renewal = renewal;
  }

  /**
   * Waits for the service's lease, logging whom it waits for.
   *
   * @param holder this deploy, as a waiting one will see it
   * @throws AwsProblem when cancelled while waiting
   */
  static ServiceLock acquire(
      DeployHistory history,
      ServiceKey service,
      String holder,
      Consumer<String> log,
      BooleanSupplier cancelled)
      throws AwsProblem {
    String owner = UUID.randomUUID().toString();
    String waitingFor = null;
    long started = System.nanoTime();
    while (true) {
      Optional<String> other = history.tryLock(service, owner, holder, Instant.now(), LEASE);
      if (other.isEmpty()) {
        if (waitingFor != null) {
          log.accept(
              "Got the deploy lock of "
                  + service.cluster()
                  + "/"
                  + service.service()
                  + " after "
                  + Duration.ofNanos(System.nanoTime() - started).toSeconds()
                  + " s");
        }
        ScheduledFuture<?> renewal =
            RENEWALS.scheduleAtFixedRate(
                () -> renew(history, service, owner),
                RENEW_EVERY.toMillis(),
                RENEW_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        return new ServiceLock(history, service, owner, renewal);
      }
      if (!other.get().equals(waitingFor)) {
        waitingFor = other.get();
        log.accept(
            "Waiting for another deploy of "
                + service.cluster()
                + "/"
                + service.service()
                + " to finish: "
                + waitingFor);
      }
      if (cancelled.getAsBoolean()) {
        throw new AwsProblem(
            "cancelled while waiting for another deploy of the service (" + waitingFor + ")");
      }
      try {
        Thread.sleep(RETRY_EVERY.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AwsProblem("interrupted while waiting for the deploy lock");
      }
    }
  }

  private static void renew(DeployHistory history, ServiceKey service, String owner) {
    try {
      history.renewLock(service, owner, Instant.now().plus(LEASE));
    } catch (RuntimeException e) {
      // The next renewal tries again; a lease lost meanwhile only lets a waiting deploy start.
    }
  }

  @Override
  public void close() {
    renewal.cancel(false);
    history.unlock(service, owner);
  }
}
