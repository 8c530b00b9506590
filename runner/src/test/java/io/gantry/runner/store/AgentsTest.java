package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentsTest {

  @TempDir Path dir;

  /** A store on the database under test (embedded here; PostgreSQL in a subclass). */
  RunStore openStore() {
    return Stores.openEmbedded(dir);
  }

  @Test
  void anAgentIsFoundByItsTokenHashWithItsLabelsInLowerCaseUntilRevoked() {
    Instant now = Instant.parse("2026-12-06T10:00:00Z");
    try (RunStore store = openStore()) {
      Agents agents = Agents.in(store);
      Agents.AgentRecord added = agents.add("gpu-1", List.of("GPU", "linux", "gpu"), "aa11", now);
      assertThat(added.labels()).containsExactly("gpu", "linux");
      assertThat(added.lastSeenAt()).isNull();
      assertThat(added.jobsRunning()).isZero();

      agents.seen(added.id(), "gantry 1.2", now.plusSeconds(5));
      Agents.AgentRecord found = agents.byTokenHash("aa11").orElseThrow();
      assertThat(found.name()).isEqualTo("gpu-1");
      assertThat(found.version()).isEqualTo("gantry 1.2");
      assertThat(found.lastSeenAt()).isEqualTo(now.plusSeconds(5));
      assertThat(found.revoked()).isFalse();
      assertThat(agents.byTokenHash("bb22")).isEmpty();

      assertThat(agents.revoke("gpu-1", now.plusSeconds(9))).isTrue();
      assertThat(agents.revoke("gpu-1", now.plusSeconds(20))).isTrue();
      assertThat(agents.byTokenHash("aa11").orElseThrow().revokedAt())
          .isEqualTo(now.plusSeconds(9));
      assertThat(agents.revoke("nobody", now)).isFalse();
    }
  }

  @Test
  void aNameIsTakenOnceEvenAfterRevocation() {
    Instant now = Instant.parse("2026-12-06T10:00:00Z");
    try (RunStore store = openStore()) {
      Agents agents = Agents.in(store);
      agents.add("a", List.of(), "h1", now);
      agents.revoke("a", now);
      assertThatThrownBy(() -> agents.add("a", List.of("x"), "h2", now))
          .isInstanceOf(Agents.NameTakenException.class)
          .hasMessageContaining("'a' exists already");
      agents.add("b", List.of("x"), "h3", now);
      assertThat(agents.list()).extracting(Agents.AgentRecord::name).containsExactly("a", "b");
    }
  }
}
