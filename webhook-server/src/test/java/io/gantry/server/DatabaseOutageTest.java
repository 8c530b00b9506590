package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code gantry serve} process whose PostgreSQL server goes away (issue 16, "bad input and
 * faults"): stopped before the server starts, it waits for the database, saying so; stopped while a
 * run runs, the run goes on when the database is back and its end is reported once.
 */
class DatabaseOutageTest {

  @TempDir Path dir;
  private PostgresServersFixture fixture;

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aServerStartedWhileItsDatabaseIsDownSaysSoInOneLineRetriesAndStartsWhenItComesUp()
      throws Exception {
    fixture =
        new PostgresServersFixture(
            dir,
            Map.of(
                "quick.yml",
                "name: quick\non: workflow_dispatch\njobs:\n  q:\n    runs-on: x\n"
                    + "    steps:\n      - run: echo quick-ran\n"));
    PostgresServersFixture.Server server = fixture.server(1);
    fixture.postgres.pause();
    server.launch();

    // The first attempts fail: 1 s, then 2 s later, each said in one line.
    long deadline = System.currentTimeMillis() + 60_000;
    while (!server.output().contains("(attempt 2)") && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    String waiting = server.output();
    List<String> lines = waiting.lines().filter(l -> l.contains("retrying in")).toList();
    assertThat(lines).as(waiting).hasSizeGreaterThanOrEqualTo(2);
    assertThat(lines.get(0))
        .startsWith("gantry serve: PostgreSQL at 127.0.0.1:" + fixture.postgres.port())
        .contains("cannot be reached: ")
        .contains("refused")
        .endsWith("; retrying in 1 s (attempt 1)");
    assertThat(lines.get(1)).endsWith("; retrying in 2 s (attempt 2)");
    assertThat(server.process.isAlive()).isTrue();
    assertThat(ServerProcess.awaitHealthy(server.base(), HttpClient.newHttpClient(), 1))
        .as("no HTTP before the store is open")
        .isFalse();

    fixture.postgres.resume();
    assertThat(ServerProcess.awaitHealthy(server.base(), HttpClient.newHttpClient(), 60_000))
        .as(server.output())
        .isTrue();
    long run = server.dispatch("quick.yml");
    assertThat(server.awaitStatus(run, "COMPLETED", 60_000).get("conclusion")).isEqualTo("success");

    String output = server.output();
    assertThat(output)
        .contains("gantry serve: PostgreSQL at 127.0.0.1:" + fixture.postgres.port() + " answers;");
    // No stack trace, and one process all along: no crash loop.
    assertThat(output).doesNotContain("\tat ").doesNotContain("Exception in thread");
    assertThat(server.process.isAlive()).isTrue();
  }

  @Test
  void aRunGoesOnAfterItsDatabaseWasAwayForSecondsAndItsEndIsReportedOnce() throws Exception {
    Path flag = dir.resolve("outage-over");
    fixture =
        new PostgresServersFixture(
            dir,
            Map.of(
                "slow.yml",
                "name: slow\non: workflow_dispatch\njobs:\n  s:\n    runs-on: x\n    steps:\n"
                    + "      - run: echo before-outage\n"
                    + "      - run: |\n"
                    + "          while [ ! -f '"
                    + flag
                    + "' ]; do sleep 0.2; done\n"
                    + "          echo after-outage\n"
                    + "      - run: echo last-step\n"));
    // A lease longer than the outage: the run is not given up meanwhile.
    PostgresServersFixture.Server server = fixture.server(1, 30);
    server.start();
    long run = server.dispatch("slow.yml");
    server.awaitStatus(run, "IN_PROGRESS", 60_000);
    assertThat(awaitLog(server, run, "before-outage")).contains("before-outage");

    fixture.postgres.pause();
    Thread.sleep(4_000);
    fixture.postgres.resume();
    java.nio.file.Files.writeString(flag, "go");

    Map<?, ?> done = server.awaitStatus(run, "COMPLETED", 120_000);
    assertThat(done.get("conclusion")).as(server.output()).isEqualTo("success");
    assertThat(done.get("interrupted")).isEqualTo(false);
    assertThat(server.get("/api/runs/" + run + "/logs")).contains("after-outage", "last-step");
    // The end went out once: one "success" for the run's commit, and no report twice.
    fixture.awaitStatuses(s -> s.contains("\"state\":\"success\""), 1, 30_000);
    Thread.sleep(2_000); // a second report would come from the next outbox pass
    List<String> statuses = fixture.statuses();
    assertThat(statuses.stream().filter(s -> s.contains("\"state\":\"success\"")))
        .as("statuses: %s", statuses)
        .hasSize(1);
    assertThat(statuses).doesNotHaveDuplicates();
    assertThat(server.output()).doesNotContain("\tat ").doesNotContain("SEVERE");
    assertThat(server.process.isAlive()).isTrue();
  }

  private static String awaitLog(PostgresServersFixture.Server server, long run, String text)
      throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    String log = server.get("/api/runs/" + run + "/logs");
    while (!log.contains(text) && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      log = server.get("/api/runs/" + run + "/logs");
    }
    return log;
  }
}
