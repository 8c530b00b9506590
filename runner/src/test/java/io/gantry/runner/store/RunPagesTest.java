package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.RunHistory.NewRun;
import io.gantry.runner.store.RunHistory.RunQuery;
import io.gantry.runner.store.RunHistory.RunSummary;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web UI's listing of runs: keyset pages, filters, and what a row shows besides the record. */
class RunPagesTest {

  @TempDir Path dataDir;
  private RunStore store;

  /** The store under test: the embedded one; a subclass runs the same tests on PostgreSQL. */
  RunStore openStore() {
    return Stores.openEmbedded(dataDir);
  }

  @BeforeEach
  void open() {
    store = openStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void pagesFollowOneAnotherNewestFirstWithoutGapsOrRepeatsWhileNewRunsArrive() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(
          store
              .createRun(
                  run(
                      "acme/web",
                      "refs/heads/main",
                      "ci.yml",
                      "CI",
                      "push",
                      "push by ann (delivery " + i + ")"))
              .id());
    }
    List<RunSummary> first = store.page(new RunQuery(null, null, null, null, null, null, 10));
    assertThat(first)
        .extracting(r -> r.run().id())
        .containsExactlyElementsOf(reversed(ids).subList(0, 10));
    assertThat(first.get(0).trigger()).isEqualTo("push by ann (delivery 24)");
    assertThat(first.get(0).eventPayload()).isEqualTo("{\"head_commit\":{\"message\":\"hello\"}}");
    store.createRun(run("acme/web", "refs/heads/main", "ci.yml", "CI", "push", "later"));
    List<RunSummary> second =
        store.page(new RunQuery(null, null, null, null, null, first.get(9).run().id(), 10));
    assertThat(second)
        .extracting(r -> r.run().id())
        .containsExactlyElementsOf(reversed(ids).subList(10, 20));
    List<RunSummary> last =
        store.page(new RunQuery(null, null, null, null, null, second.get(9).run().id(), 10));
    assertThat(last)
        .extracting(r -> r.run().id())
        .containsExactlyElementsOf(reversed(ids).subList(20, 25));
  }

  @Test
  void filtersMatchRepositoryBranchWorkflowByNameOrFileStatusAndEvent() {
    long a =
        store
            .createRun(
                run("acme/web", "refs/heads/main", ".github/workflows/ci.yml", "CI", "push", "t"))
            .id();
    long b =
        store
            .createRun(
                run(
                    "acme/api",
                    "refs/heads/topic",
                    ".github/workflows/deploy.yml",
                    "Deploy",
                    "workflow_dispatch",
                    "t"))
            .id();
    store.runStarted(b, Instant.now());
    store.runFinished(b, Result.FAILURE, Instant.now());
    assertThat(ids(new RunQuery("acme/web", null, null, null, null, null, 50))).containsExactly(a);
    assertThat(ids(new RunQuery(null, "topic", null, null, null, null, 50))).containsExactly(b);
    assertThat(ids(new RunQuery(null, null, "CI", null, null, null, 50))).containsExactly(a);
    assertThat(ids(new RunQuery(null, null, "deploy.yml", null, null, null, 50)))
        .containsExactly(b);
    assertThat(ids(new RunQuery(null, null, null, "failure", null, null, 50))).containsExactly(b);
    assertThat(ids(new RunQuery(null, null, null, "queued", null, null, 50))).containsExactly(a);
    assertThat(ids(new RunQuery(null, null, null, null, "workflow_dispatch", null, 50)))
        .containsExactly(b);
    assertThat(ids(new RunQuery("acme/web", null, null, null, "workflow_dispatch", null, 50)))
        .isEmpty();
  }

  private List<Long> ids(RunQuery query) {
    return store.page(query).stream().map(r -> r.run().id()).toList();
  }

  private static List<Long> reversed(List<Long> ids) {
    List<Long> copy = new ArrayList<>(ids);
    java.util.Collections.reverse(copy);
    return copy;
  }

  private static NewRun run(
      String repository, String ref, String file, String name, String event, String trigger) {
    return new NewRun(
        repository,
        file,
        name,
        "on: push\njobs: {}\n",
        event,
        ref,
        "a".repeat(40),
        Map.of(),
        trigger,
        "{\"head_commit\":{\"message\":\"hello\"}}",
        null,
        false);
  }
}
