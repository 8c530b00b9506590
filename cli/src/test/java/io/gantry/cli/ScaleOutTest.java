package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's scale test: two {@code gantry serve} processes and three {@code gantry agent}
 * processes on this machine (separate processes and work folders), one real PostgreSQL, 200 signed
 * pushes posted to the two servers in turn, the agents behind a load balancer in front of both
 * servers. One agent is killed with {@code kill -9} while it runs a job, then one server while it
 * orchestrates runs. Checked from the database, the step ledger and the forge: every push has
 * exactly one run, no job ran twice and none was lost, nothing is left queued or running, each
 * commit got one final status. What the kills do is what the README documents:
 *
 * <ul>
 *   <li>a run the killed server orchestrated is concluded by the other one as interrupted (failure,
 *       {@code interrupted}); its jobs not started yet never run, one running on an agent is told
 *       to stop (or finishes first) and is not run again;
 *   <li>a job the killed agent ran fails as interrupted once its lease runs out ("was interrupted:
 *       its agent stopped answering"), and its run fails with it; it is not run again. So does a
 *       job an agent claimed through the killed server if the server died before answering (the
 *       agent never got it, so it never ran).
 * </ul>
 */
class ScaleOutTest {

  private static final int PUSHES = 200;
  private static final Pattern LEDGER_LINE = Pattern.compile("([0-9a-f]{40}) (build|test) (\\S+)");

  @TempDir Path dir;
  private ScaleOutCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String workflow(Path ledger) {
    return "name: scale\non: push\njobs:\n"
        + "  build:\n    runs-on: [self-hosted, linux]\n"
        + "    outputs:\n      mark: ${{ steps.m.outputs.mark }}\n"
        + "    steps:\n      - id: m\n        run: |\n"
        + "          echo \"$GITHUB_SHA build $AGENT_MARK\" >> '"
        + ledger
        + "'\n          sleep 0.5\n"
        + "          echo \"mark=$AGENT_MARK\" >> \"$GITHUB_OUTPUT\"\n"
        + "  test:\n    needs: build\n    runs-on: [self-hosted]\n    steps:\n"
        + "      - run: |\n"
        + "          echo \"$GITHUB_SHA test $AGENT_MARK\" >> '"
        + ledger
        + "'\n          echo built-on-${{ needs.build.outputs.mark }}\n          sleep 0.5\n";
  }

  @Test
  void twoHundredPushesOverTwoServersAndThreeAgentsRunEachJobOnceThroughAKillNineOfEach()
      throws Exception {
    Path ledger = dir.resolve("ledger");
    Files.writeString(ledger, "");
    cluster = new ScaleOutCluster(dir, workflow(ledger));
    String base = cluster.tip();
    List<String> shas = cluster.commits(workflow(ledger), PUSHES);
    assertThat(shas).hasSize(PUSHES).doesNotHaveDuplicates();

    // Leases of 15 s: a loaded machine (the whole suite on two cores) delays renewals.
    ScaleOutCluster.Server a = cluster.server(15);
    ScaleOutCluster.Server b = cluster.server(15);
    String balancer = cluster.balancer();
    List<Process> agents = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String token = cluster.addAgent(i % 2 == 0 ? b : a, "agent-" + i);
      agents.add(cluster.agent("agent-" + i, token, balancer, 2, "A" + i));
    }

    long started = System.nanoTime();
    try (Connection db = cluster.sql()) {
      String before = base;
      int next = 0;
      // A first half, in turn to each server.
      for (; next < PUSHES / 2; next++) {
        assertThat(cluster.push(next % 2 == 0 ? a : b, before, shas.get(next)))
            .as("push %d", next)
            .isEqualTo(202);
        before = shas.get(next);
      }
      // kill -9 of an agent while it runs a job of a run server1 orchestrates (stopped first, so
      // the job cannot end between looking and killing); its leases run out before server2 dies.
      Process agent3 = agents.get(2);
      ScaleOutCluster.until(
          Duration.ofMinutes(5),
          "agent-3 running a job of server1's",
          () -> stopped(agent3, () -> runningOn(db, "agent-3", a) > 0));
      agent3.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      ScaleOutCluster.until(
          Duration.ofMinutes(3),
          "agent-3's leases run out",
          () -> runningOn(db, "agent-3", null) == 0);
      // A quarter more, then kill -9 of a server while it orchestrates a run with a job on an
      // agent.
      for (; next < PUSHES * 3 / 4; next++) {
        assertThat(cluster.push(next % 2 == 0 ? a : b, before, shas.get(next)))
            .as("push %d", next)
            .isEqualTo(202);
        before = shas.get(next);
      }
      ScaleOutCluster.until(
          Duration.ofMinutes(5),
          "server2 orchestrating a run whose job runs on an agent",
          () -> stopped(b.process, () -> orchestratedWithAJobRunning(db, b)));
      b.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      // The rest: those meant for the dead server go to the other, as a load balancer does.
      for (; next < PUSHES; next++) {
        int status = cluster.push(next % 2 == 0 ? a : b, before, shas.get(next));
        if (status == -1) {
          status = cluster.push(a, before, shas.get(next));
        }
        assertThat(status).as("push %d", next).isEqualTo(202);
        before = shas.get(next);
      }

      ScaleOutCluster.until(
          Duration.ofMinutes(15),
          "every run completed and no agent job queued or running",
          () ->
              count(db, "SELECT count(*) FROM runs WHERE status = 'COMPLETED'") == PUSHES
                  && count(
                          db,
                          "SELECT count(*) FROM job_queue WHERE status IN ('QUEUED',"
                              + " 'IN_PROGRESS')")
                      == 0);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      System.out.println("ScaleOutTest: " + PUSHES + " pushes done in " + seconds + " s");

      Map<String, Run> runs = runs(db);
      assertThat(runs.keySet()).as("one run per push").containsExactlyInAnyOrderElementsOf(shas);
      assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(PUSHES);
      Map<String, Integer> ran = ledger(ledger);
      long agentId = number(db, "SELECT id FROM agents WHERE name = 'agent-3'");

      int succeeded = 0;
      int serverInterrupted = 0;
      int agentInterrupted = 0;
      int lostWithServer = 0;
      for (String sha : shas) {
        Run run = runs.get(sha);
        int build = ran.getOrDefault(sha + " build", 0);
        int test = ran.getOrDefault(sha + " test", 0);
        String what = sha + ": " + run + " ran build " + build + ", test " + test;
        assertThat(build).as(what).isLessThanOrEqualTo(1);
        assertThat(test).as(what).isLessThanOrEqualTo(1);
        assertThat(run.queued())
            .as(what)
            .allSatisfy(j -> assertThat(j.status()).isEqualTo("COMPLETED"));
        if (run.conclusion().equals("success")) {
          succeeded++;
          assertThat(run.interrupted()).as(what).isFalse();
          assertThat(build).as(what).isEqualTo(1);
          assertThat(test).as(what).isEqualTo(1);
          assertThat(run.jobs()).as(what).containsExactly("build:success", "test:success");
          assertThat(run.queued()).as(what).hasSize(2).noneMatch(QueuedJob::interrupted);
        } else if (run.interrupted()) {
          // Orchestrated by the killed server.
          serverInterrupted++;
          assertThat(b.owns(run.leaseOwner())).as(what).isTrue();
          assertThat(run.conclusion()).isEqualTo("failure");
          // A job of it lost with an agent (see below) before the server died: never one that
          // a live agent ran.
          assertThat(run.queued())
              .as(what)
              .allMatch(
                  j ->
                      !j.interrupted()
                          || Long.valueOf(agentId).equals(j.agentId())
                          || ran.getOrDefault(sha + " " + j.key(), 0) == 0);
        } else {
          // A job lost with an agent: one the killed agent ran, or (rarely) one claimed through
          // the killed server, which died before its answer reached the agent: that one never ran.
          assertThat(run.conclusion()).as(what).isEqualTo("failure");
          assertThat(run.queued()).as(what).filteredOn(QueuedJob::interrupted).hasSize(1);
          QueuedJob lost =
              run.queued().stream().filter(QueuedJob::interrupted).findFirst().orElseThrow();
          if (Long.valueOf(agentId).equals(lost.agentId())) {
            agentInterrupted++;
          } else {
            lostWithServer++;
            assertThat(ran.getOrDefault(sha + " " + lost.key(), 0)).as(what).isZero();
          }
          assertThat(run.jobs()).as(what).contains(lost.key() + ":failure");
          // In the run's log, a file of the server that orchestrated it.
          String log =
              a.owns(run.leaseOwner())
                  ? cluster.send(a, "GET", "/api/runs/" + run.id() + "/logs", null)
                  : logFiles("server2", run.id());
          assertThat(log).as(what).contains("was interrupted: its agent stopped answering");
        }
      }
      System.out.println(
          "ScaleOutTest: "
              + succeeded
              + " succeeded, "
              + serverInterrupted
              + " interrupted with server2, "
              + agentInterrupted
              + " failed with agent-3, "
              + lostWithServer
              + " with a claim server2 never answered");
      assertThat(serverInterrupted).as("runs interrupted by the server's kill").isPositive();
      assertThat(agentInterrupted).as("runs failed by the agent's kill").isPositive();
      assertThat(succeeded + serverInterrupted + agentInterrupted + lostWithServer)
          .isEqualTo(PUSHES);
      // The survivors did the rest: both live agents ran jobs.
      assertThat(ran.keySet()).isNotEmpty();

      // Statuses: each commit's final state once, the run's (the outbox delivers at least once:
      // the one status the killed server may have posted without recording it is posted again).
      Map<String, List<String>> finals = finalStatuses(shas);
      for (String sha : shas) {
        String expected = runs.get(sha).conclusion().equals("success") ? "success" : "failure";
        assertThat(finals.get(sha)).as(sha).isNotEmpty().containsOnly(expected);
      }
      long repeats = finals.values().stream().mapToLong(states -> states.size() - 1L).sum();
      assertThat(repeats).as("statuses posted twice").isLessThanOrEqualTo(1);
    }
  }

  /** A run's log files in the data directory of a server that is gone. */
  private String logFiles(String server, long run) throws Exception {
    Path folder = dir.resolve(server + "-data/logs/" + run);
    StringBuilder text = new StringBuilder();
    if (Files.isDirectory(folder)) {
      try (var files = Files.walk(folder)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          text.append(Files.readString(file));
        }
      }
    }
    return text.toString();
  }

  /** The final (not pending) states posted for each commit, waited for (at most 2 minutes). */
  private Map<String, List<String>> finalStatuses(List<String> shas) throws InterruptedException {
    Pattern status = Pattern.compile("/statuses/([0-9a-f]{40}) .*\"state\":\"(\\w+)\"");
    Map<String, List<String>> finals = new HashMap<>();
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      finals.clear();
      for (String posted : cluster.statuses()) {
        Matcher m = status.matcher(posted);
        if (m.find() && !m.group(2).equals("pending")) {
          finals.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
        }
      }
      if (finals.keySet().containsAll(shas) || System.currentTimeMillis() > deadline) {
        return finals;
      }
      Thread.sleep(250);
    }
  }

  private record QueuedJob(String key, String status, boolean interrupted, Long agentId) {}

  private record Run(
      long id,
      String conclusion,
      boolean interrupted,
      String leaseOwner,
      List<String> jobs,
      List<QueuedJob> queued) {}

  private static Map<String, Run> runs(Connection db) throws SQLException {
    Map<Long, List<String>> jobs = new HashMap<>();
    try (PreparedStatement s =
            db.prepareStatement("SELECT run_id, job_key, conclusion FROM jobs ORDER BY job_key");
        ResultSet rows = s.executeQuery()) {
      while (rows.next()) {
        jobs.computeIfAbsent(rows.getLong(1), k -> new ArrayList<>())
            .add(rows.getString(2) + ":" + rows.getString(3));
      }
    }
    Map<Long, List<QueuedJob>> queued = new HashMap<>();
    try (PreparedStatement s =
            db.prepareStatement(
                "SELECT run_id, job_key, status, interrupted, agent_id FROM job_queue ORDER BY id");
        ResultSet rows = s.executeQuery()) {
      while (rows.next()) {
        long agent = rows.getLong(5);
        Long agentId = rows.wasNull() ? null : agent;
        queued
            .computeIfAbsent(rows.getLong(1), k -> new ArrayList<>())
            .add(new QueuedJob(rows.getString(2), rows.getString(3), rows.getBoolean(4), agentId));
      }
    }
    Map<String, Run> runs = new LinkedHashMap<>();
    try (PreparedStatement s =
            db.prepareStatement(
                "SELECT id, sha, conclusion, interrupted, lease_owner FROM runs ORDER BY id");
        ResultSet rows = s.executeQuery()) {
      while (rows.next()) {
        long id = rows.getLong(1);
        Run previous =
            runs.put(
                rows.getString(2),
                new Run(
                    id,
                    rows.getString(3),
                    rows.getBoolean(4),
                    rows.getString(5),
                    jobs.getOrDefault(id, List.of()),
                    queued.getOrDefault(id, List.of())));
        assertThat(previous).as("a second run of %s", rows.getString(2)).isNull();
      }
    }
    return runs;
  }

  /** How many times each "SHA JOB" ran, from the lines the steps appended. */
  private static Map<String, Integer> ledger(Path ledger) throws Exception {
    Map<String, Integer> ran = new TreeMap<>();
    for (String line : Files.readAllLines(ledger)) {
      Matcher m = LEDGER_LINE.matcher(line);
      assertThat(m.matches()).as("ledger line '%s'", line).isTrue();
      ran.merge(m.group(1) + " " + m.group(2), 1, Integer::sum);
    }
    return ran;
  }

  /**
   * Whether {@code condition} holds while {@code process} is stopped (SIGSTOP); it stays stopped if
   * so, and goes on (SIGCONT) if not.
   */
  private static boolean stopped(Process process, java.util.function.BooleanSupplier condition) {
    signal(process, "STOP");
    if (condition.getAsBoolean()) {
      return true;
    }
    signal(process, "CONT");
    return false;
  }

  private static void signal(Process process, String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).as("kill -%s", signal).isZero();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** How many jobs {@code agent} runs (of runs {@code server} orchestrates, unless null). */
  private static long runningOn(Connection db, String agent, ScaleOutCluster.Server server) {
    return count(
        db,
        "SELECT count(*) FROM job_queue q JOIN agents g ON g.id = q.agent_id"
            + " JOIN runs r ON r.id = q.run_id WHERE g.name = '"
            + agent
            + "' AND q.status = 'IN_PROGRESS'"
            + (server == null
                ? ""
                : " AND r.lease_owner LIKE 'gantry-" + server.process.pid() + "-%'"));
  }

  private static boolean orchestratedWithAJobRunning(Connection db, ScaleOutCluster.Server server) {
    return count(
            db,
            "SELECT count(*) FROM runs r JOIN job_queue q ON q.run_id = r.id"
                + " WHERE r.status = 'IN_PROGRESS' AND q.status = 'IN_PROGRESS'"
                + " AND r.lease_owner LIKE 'gantry-"
                + server.process.pid()
                + "-%'")
        > 0;
  }

  private static long count(Connection db, String sql) {
    try {
      return number(db, sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long number(Connection db, String sql) throws SQLException {
    try (PreparedStatement s = db.prepareStatement(sql);
        ResultSet rows = s.executeQuery()) {
      assertThat(rows.next()).isTrue();
      return rows.getLong(1);
    }
  }
}
