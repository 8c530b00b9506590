package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCopyTest {

  private static final Instant T0 = Instant.parse("2026-12-06T07:00:00.123Z");

  @TempDir Path dataDir;

  @Test
  void anEmbeddedStoreCopiedIntoPostgresKeepsEveryRunAndItsIdsAndCountsOnAfterThem() {
    RunHistory.RunRecord first;
    RunHistory.RunRecord second;
    try (RunStore embedded = Stores.openEmbedded(dataDir)) {
      first = embedded.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
      long job = embedded.createJob(first.id(), "build", "build");
      long step = embedded.stepStarted(job, 1, "Compile", T0);
      embedded.stepFinished(step, Result.SUCCESS, Result.SUCCESS, Map.of("jar", "a.jar"), T0);
      embedded.jobFinished(job, Result.SUCCESS, Map.of("version", "1.2"), T0.plusSeconds(1));
      embedded.runFinished(first.id(), Result.SUCCESS, T0.plusSeconds(2));
      second = embedded.createRerun(first.id(), "rerun", T0.plusSeconds(3), false);
      embedded.recordDelivery(new Deliveries.Delivery("git", "d-1", "acme/shop", "push", T0));
    }
    String url = PostgresStores.newDatabase();
    TestPostgres server = TestPostgres.shared();
    DatabaseSettings target = DatabaseSettings.of(url, server.user(), server.password());

    Map<String, Long> copied = StoreCopy.embeddedToPostgres(dataDir, target);

    assertThat(copied)
        .containsEntry("runs", 2L)
        .containsEntry("jobs", 1L)
        .containsEntry("steps", 1L)
        .containsEntry("deliveries", 1L);
    try (RunStore postgres = PostgresStores.open(url)) {
      RunHistory.RunRecord run = postgres.findRun(first.id()).orElseThrow();
      assertThat(run.conclusion()).isEqualTo(Result.SUCCESS);
      assertThat(run.finishedAt()).isEqualTo(T0.plusSeconds(2));
      assertThat(postgres.jobsOf(first.id()))
          .singleElement()
          .satisfies(j -> assertThat(j.outputs()).containsEntry("version", "1.2"));
      assertThat(postgres.findRun(second.id()).orElseThrow().attempt()).isEqualTo(2);
      assertThat(postgres.recordDelivery(new Deliveries.Delivery("git", "d-1", null, null, T0)))
          .as("the delivery is known after the copy")
          .isFalse();
      RunHistory.RunRecord next = postgres.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
      assertThat(next.runNumber()).isEqualTo(2);
      assertThat(next.id()).isGreaterThan(second.id());
    }

    assertThatThrownBy(() -> StoreCopy.embeddedToPostgres(dataDir, target))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("is not empty; copy into a new, empty database");
  }
}
