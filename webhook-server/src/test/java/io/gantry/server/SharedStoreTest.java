package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.DatabaseSettings;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.TestPostgres;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
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

  private void start(String workflow) throws Exception {
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
    one = TestServer.start(dir.resolve("one"), workflow, "", database);
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
    start(WORKFLOW);
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
      assertThat(run.conclusion()).as("run %d", run.id()).isEqualTo(Result.SUCCESS);
      RunHistory.RunDetails details = store.details(run.id()).orElseThrow();
      assertThat(details.interrupted()).isFalse();
      assertThat(store.jobsOf(run.id()))
          .singleElement()
          .extracting(RunHistory.JobRecord::conclusion)
          .isEqualTo(Result.SUCCESS);
      owners.add(details.leaseOwner());
    }
    assertThat(runs).extracting(RunHistory.RunRecord::runNumber).doesNotHaveDuplicates();
    assertThat(owners).doesNotContainNull();
  }

  @Test
  void aBrowserFollowingARunOnEitherServerSeesEveryLineAndTheEnd() throws Exception {
    Path flag = dir.resolve("go");
    start(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
            + "      - run: |\n"
            + "          while [ ! -f '"
            + flag
            + "' ]; do sleep 0.1; done\n"
            + "          for i in 1 2 3 4 5; do echo line-$i; done\n");
    GitHookPayload push =
        GitHookPayload.of(
            "acme/web", new PostReceive.RefUpdate(one.first, one.second, "refs/heads/main"), "dev");
    TestServer.Answer answer = one.deliver(push, Map.of());
    assertThat(answer.status()).isEqualTo(202);
    long runId = store.listRuns(1).get(0).id();

    // Both follow from before the first line; whichever server runs it, the other hears it
    // through PostgreSQL.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<HttpResponse<Stream<String>>> streams = new ArrayList<>();
    for (TestServer server : List.of(one, two)) {
      streams.add(
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + server.port()
                              + "/api/runs/"
                              + runId
                              + "/logs/stream"))
                  .header("Authorization", "Bearer " + TestServer.TOKEN)
                  .header("Accept", "text/event-stream")
                  .build(),
              HttpResponse.BodyHandlers.ofLines()));
    }
    // Let the subscriptions settle before the step writes its lines.
    Thread.sleep(500);
    Files.writeString(flag, "go");
    for (HttpResponse<Stream<String>> stream : streams) {
      assertThat(stream.statusCode()).isEqualTo(200);
      List<String> data = new ArrayList<>();
      List<String> raw = new ArrayList<>();
      String event = null;
      java.util.Iterator<String> lines = stream.body().iterator();
      while (lines.hasNext()) {
        String line = lines.next();
        raw.add(line);
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.add(event + " " + line.substring(6));
          if ("end".equals(event)) {
            break;
          }
        }
      }
      assertThat(
              data.stream()
                  .filter(d -> d.startsWith("log "))
                  .map(d -> d.replaceAll(".*line-", "line-")))
          .as("lines followed through %s: %s", stream.uri(), raw)
          .containsSubsequence("line-1", "line-2", "line-3", "line-4", "line-5");
      assertThat(data).last().isEqualTo("end success");
    }
  }

  private List<RunHistory.RunRecord> awaitAllCompleted(int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 240_000;
    List<RunHistory.RunRecord> runs = store.listRuns(100);
    while (System.currentTimeMillis() < deadline) {
      runs = store.listRuns(100);
      if (runs.size() >= count && runs.stream().allMatch(r -> r.status() == RunStatus.COMPLETED)) {
        return runs;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("runs did not complete: " + runs);
  }
}
