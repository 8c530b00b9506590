package io.gantry.server.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void delaysDoubleFromOneSecondAndStopAtFiveMinutes() {
    Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5));

    assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.delay(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(backoff.delay(9)).isEqualTo(Duration.ofSeconds(256));
    assertThat(backoff.delay(10)).isEqualTo(Duration.ofMinutes(5));
    assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void jitterOnlyShortensADelaySoTheCapHolds() {
    Backoff half =
        Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5))
            .withJitter(0.2, () -> 0.5);
    Backoff most =
        Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5))
            .withJitter(0.2, () -> 0.999);

    assertThat(half.delay(3)).isEqualTo(Duration.ofMillis(3600));
    assertThat(half.delay(20)).isEqualTo(Duration.ofSeconds(270));
    assertThat(most.delay(20)).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));
  }

  @Test
  void theOutboxDefaultStaysWithinItsBounds() {
    Backoff backoff = Backoff.outboxDefault();
    for (int attempt = 1; attempt <= 30; attempt++) {
      assertThat(backoff.delay(attempt)).isBetween(Duration.ofMillis(800), Duration.ofMinutes(5));
    }
  }

  @Test
  void attemptsCountFromOne() {
    Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5));
    assertThatThrownBy(() -> backoff.delay(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
