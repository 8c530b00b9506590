package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real {@code gantry serve} processes sharing one real PostgreSQL database (issue 16): one is
 * killed with {@code kill -9} mid-run; the other marks that run interrupted, reports it, and runs
 * the work that was queued.
 */
class KilledSharedServerTest {

  @TempDir Path dir;
  private PostgresServersFixture fixture;
  private Path flag;

  @AfterEach
  void stop() throws Exception {
    if (flag != null) {
      // The killed server's step process outlives it: the flag lets it end.
      Files.writeString(flag, "go");
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void whenOneServerIsKilledTheOtherMarksItsRunInterruptedAndRunsTheQueuedWork() throws Exception {
    flag = dir.resolve("go");
    fixture =
        new PostgresServersFixture(
            dir,
            Map.of(
                "hold.yml",
                "name: hold\non: workflow_dispatch\njobs:\n  h:\n    runs-on: x\n    steps:\n"
                    + "      - run: |\n"
                    + "          echo holding\n"
                    + "          while [ ! -f '"
                    + flag
                    + "' ]; do sleep 0.3; done\n",
                "quick.yml",
                "name: quick\non: workflow_dispatch\njobs:\n  q:\n    runs-on: x\n"
                    + "    steps:\n      - run: echo quick-ran\n"));
    PostgresServersFixture.Server one = fixture.server(1);
    PostgresServersFixture.Server two = fixture.server(1);
    one.start();
    two.start();
    try (RunStore store = fixture.openStore()) {
      long first = one.dispatch("hold.yml");
      long second = two.dispatch("hold.yml");
      one.awaitStatus(first, "IN_PROGRESS", 60_000);
      one.awaitStatus(second, "IN_PROGRESS", 60_000);
      // Both workers are busy: this one waits in the queue.
      long quick = one.dispatch("quick.yml");
      assertThat(one.run(quick).get("status")).isEqualTo("QUEUED");

      // Kill the server that runs the first run, whichever it is.
      String ownerOfFirst = store.details(first).orElseThrow().leaseOwner();
      PostgresServersFixture.Server killed =
          ownerOfFirst.startsWith("gantry-" + one.process.pid() + "-") ? one : two;
      PostgresServersFixture.Server survivor = killed == one ? two : one;
      assertThat(ownerOfFirst).startsWith("gantry-" + killed.process.pid() + "-");
      String survivorOwner = store.details(second).orElseThrow().leaseOwner();
      assertThat(survivorOwner).startsWith("gantry-" + survivor.process.pid() + "-");
      killed.killNine();

      Map<?, ?> interrupted = survivor.awaitStatus(first, "COMPLETED", 60_000);
      assertThat(interrupted.get("conclusion")).isEqualTo("failure");
      assertThat(interrupted.get("interrupted")).isEqualTo(true);
      assertThat(survivor.get("/api/runs/" + first + "/logs")).contains("the run was interrupted");

      Files.writeString(flag, "go");
      assertThat(survivor.awaitStatus(second, "COMPLETED", 60_000).get("conclusion"))
          .isEqualTo("success");
      assertThat(survivor.awaitStatus(quick, "COMPLETED", 60_000).get("conclusion"))
          .isEqualTo("success");
      assertThat(store.details(quick).orElseThrow().leaseOwner()).isEqualTo(survivorOwner);
      assertThat(store.details(second).orElseThrow().interrupted()).isFalse();

      List<String> failures =
          fixture.awaitStatuses(
              s -> s.contains("\"state\":\"failure\"") && s.contains("interrupted"), 1, 30_000);
      assertThat(failures).hasSize(1).allMatch(s -> s.contains("/runs/" + first));
      fixture.awaitStatuses(s -> s.contains("\"state\":\"success\""), 2, 30_000);
      // Each run's end once. (A status the killed server posted but had not yet recorded as
      // delivered is posted again by the survivor: the outbox delivers at least once, and the same
      // status twice changes nothing on the forge.)
      List<String> ends =
          fixture.statuses().stream().filter(s -> !s.contains("\"state\":\"pending\"")).toList();
      assertThat(ends).hasSize(3).doesNotHaveDuplicates();
      assertThat(ends.stream().filter(s -> s.contains("\"state\":\"success\""))).hasSize(2);
    }
  }
}
