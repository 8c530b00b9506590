package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.DatabaseSettings;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.TestPostgres;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real servers, each with its own data directory, sharing one real PostgreSQL database (issue
 * 16): whichever server a delivery reaches, it is stored once and its run runs once.
 */
class SharedStoreTest {

  private static final String WORKFLOW =
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo built\n";

  @TempDir Path dir;

  private TestServer one;
  private TestServer two;
  private RunStore store;

  @BeforeEach
  void start() throws Exception {
    TestPostgres postgres = TestPostgres.shared();
    String url = postgres.url(postgres.newDatabase());
    Path passwordFile = dir.resolve("db-password");
    Files.writeString(passwordFile, postgres.password() + "\n");
    String database =
        "  database: "
            + url
            + "\n  database-user: "
            + postgres.user()
            + "\n  database-password-file: "
            + passwordFile
            + "\n";
    one = TestServer.start(dir.resolve("one"), WORKFLOW, "", database);
    two = TestServer.another(one, dir.resolve("two"), "", database);
    store = Stores.openPostgres(DatabaseSettings.of(url, postgres.user(), postgres.password()));
  }

  @AfterEach
  void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {one, two, store}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // The others still close.
      }
    }
  }

  @Test
  void eachDeliverySentToBothServersIsStoredOnceAndItsRunRunsOnceOnOneOfThem() throws Exception {
    List<Integer> answers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      GitHookPayload push =
          GitHookPayload.of(
              "acme/web",
              new PostReceive.RefUpdate(one.first, one.second, "refs/heads/main"),
              "dev" + i);
      // Alternate which server hears it first, as a load balancer's retries would.
      TestServer first = i % 2 == 0 ? one : two;
      TestServer second = i % 2 == 0 ? two : one;
      answers.add(first.deliver(push, Map.of()).status());
      answers.add(second.deliver(push, Map.of()).status());
    }
    for (int i = 0; i < answers.size(); i += 2) {
      assertThat(answers.subList(i, i + 2)).as("delivery %d", i / 2).containsExactly(202, 200);
    }

    List<RunHistory.RunRecord> runs = awaitAllCompleted(12);
    assertThat(runs).hasSize(12);
    Set<String> owners = new HashSet<>();
    for (RunHistory.RunRecord run : runs) {
      assertThat(run.conclusion()).as("run %d", run.id()).isEqualTo("success");
      RunHistory.RunDetails details = store.details(run.id()).orElseThrow();
      assertThat(details.interrupted()).isFalse();
      assertThat(store.jobsOf(run.id()))
          .singleElement()
          .extracting("conclusion")
          .isEqualTo("success");
      owners.add(details.leaseOwner());
    }
    assertThat(runs).extracting(RunHistory.RunRecord::runNumber).doesNotHaveDuplicates();
    assertThat(owners).doesNotContainNull();
  }

  private List<RunHistory.RunRecord> awaitAllCompleted(int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 240_000;
    List<RunHistory.RunRecord> runs = store.listRuns(100);
    while (System.currentTimeMillis() < deadline) {
      runs = store.listRuns(100);
      if (runs.size() >= count && runs.stream().allMatch(r -> "COMPLETED".equals(r.status()))) {
        return runs;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("runs did not complete: " + runs);
  }
}
