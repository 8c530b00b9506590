package io.gantry.server.forge;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff for retried deliveries (the status outbox, the post-receive hook): {@code
 * initial × 2^(attempt-1)}, capped at {@code max}. Optional jitter shortens each delay by up to a
 * fraction, at random, so reports queued during one forge outage do not all retry in the same
 * second; it only ever shortens, so the cap holds. The random source is injectable so tests are
 * deterministic.
 */
public final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final double jitter;
  private final DoubleSupplier random;

  private Backoff(Duration initial, Duration max, double jitter, DoubleSupplier random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, got " + initial + ", " + max);
    }
    if (jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("jitter must be a fraction in [0, 1], got " + jitter);
    }
    this.initial = initial;
    this.max = max;
    this.jitter = jitter;
    this.random = random;
  }

  /** 1 s, 2 s, 4 s … capped at 5 minutes, up to 20 % shorter at random: the outbox default. */
  public static Backoff outboxDefault() {
    return exponential(Duration.ofSeconds(1), Duration.ofMinutes(5))
        .withJitter(0.2, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Doubling from {@code initial}, capped at {@code max}, without jitter. */
  public static Backoff exponential(Duration initial, Duration max) {
    return new Backoff(initial, max, 0, () -> 0);
  }

  /**
   * The same policy with each delay shortened by up to {@code fraction} × a value of {@code random}
   * in [0, 1).
   */
  public Backoff withJitter(double fraction, DoubleSupplier random) {
    return new Backoff(initial, max, fraction, random);
  }

  /** The wait after the {@code attempt}-th failed attempt (1 for the first failure). */
  public Duration delay(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt counts from 1, got " + attempt);
    }
    // Past 2^40 any sane cap is reached; stopping there keeps the shift from overflowing.
    int doublings = Math.min(attempt - 1, 40);
    long millis = initial.toMillis();
    long uncapped = millis > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE : millis << doublings;
    long capped = Math.min(uncapped, max.toMillis());
    double r = Math.min(Math.max(random.getAsDouble(), 0), 1);
    return Duration.ofMillis(Math.round(capped * (1 - jitter * r)));
  }

  @Override
  public String toString() {
    return "Backoff[" + initial + " doubling to " + max + ", jitter " + jitter + "]";
  }
}
