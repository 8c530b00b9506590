package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleTicksTest {

  @TempDir Path dir;

  /** A store on the database under test (embedded here; PostgreSQL in a subclass). */
  RunStore openStore() {
    return Stores.openEmbedded(dir);
  }

  @Test
  void aTickIsTakenOnceAcrossTwoStoresSharingADatabase() {
    Instant tick = Instant.parse("2026-12-06T03:00:00Z");
    Instant now = tick.plusSeconds(5);
    try (RunStore first = openStore();
        RunStore second = openStore()) {
      ScheduleTicks a = ScheduleTicks.in(first);
      ScheduleTicks b = ScheduleTicks.in(second);
      assertThat(a.last("acme/web", ".github/workflows/nightly.yml", "0 3 * * *")).isEmpty();

      assertThat(a.take("acme/web", ".github/workflows/nightly.yml", "0 3 * * *", tick, true, now))
          .isTrue();
      assertThat(b.take("acme/web", ".github/workflows/nightly.yml", "0 3 * * *", tick, true, now))
          .isFalse();
      // Another line, workflow or repository is another schedule.
      assertThat(b.take("acme/web", ".github/workflows/nightly.yml", "0 4 * * *", tick, true, now))
          .isTrue();
      assertThat(b.take("acme/api", ".github/workflows/nightly.yml", "0 3 * * *", tick, true, now))
          .isTrue();

      assertThat(b.last("acme/web", ".github/workflows/nightly.yml", "0 3 * * *")).contains(tick);
    }
  }
}
