package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.retry-interrupted} with real processes: two {@code gantry serve} on one PostgreSQL
 * behind a load balancer and {@code gantry agent}s. An agent killed with {@code kill -9} mid-job
 * loses its lease and the job runs again on another agent (the run succeeds, the interrupted
 * attempt's lines stay in the log, one final status); the re-runs are bounded; a claim committed
 * whose answer never reached an agent is run again too once its lease runs out.
 */
class RetryInterruptedTest {

  /** Sleeps on the agent marked K (the one the test kills), finishes quickly elsewhere. */
  private static final String WORKFLOW =
      "name: retry\non: workflow_dispatch\njobs:\n  work:\n    runs-on: [self-hosted]\n"
          + "    steps:\n      - name: hello\n        run: echo hello-from-$AGENT_MARK\n"
          + "      - name: slow\n        run: |\n"
          + "          if [ \"$AGENT_MARK\" = K ]; then echo started-on-K; sleep 117; fi\n"
          + "          echo finished-on-$AGENT_MARK\n";

  @TempDir Path dir;
  private ScaleOutCluster cluster;
  private final List<ScaleOutCluster.Server> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start(int retries) throws Exception {
    cluster = new ScaleOutCluster(dir, WORKFLOW);
    String keys = "  retry-interrupted: " + retries + "\n";
    servers.add(cluster.server(6, keys));
    servers.add(cluster.server(6, keys));
  }

  @Test
  void aJobWhoseAgentIsKilledRunsAgainOnAnotherAgentAndTheRunSucceeds() throws Exception {
    start(1);
    String killed = cluster.addAgent(servers.get(0), "agent-k");
    String rescuer = cluster.addAgent(servers.get(1), "agent-r");
    Process k = cluster.agent("agent-k", killed, cluster.balancer(), 1, "K");
    long run = dispatch();
    ScaleOutCluster.until(
        Duration.ofMinutes(2), "the job started on K", () -> log(run).contains("started-on-K"));

    k.destroyForcibly();
    assertThat(k.waitFor(30, TimeUnit.SECONDS)).isTrue();
    cluster.agent("agent-r", rescuer, cluster.balancer(), 1, "R");

    Map<?, ?> done = awaitCompleted(run);
    assertThat(done.get("conclusion")).as(String.valueOf(done)).isEqualTo("success");
    String log = log(run);
    // The interrupted attempt's lines are kept, then the line saying it runs again, then the
    // second attempt's.
    assertThat(log)
        .contains("hello-from-K", "started-on-K", "hello-from-R", "finished-on-R")
        .contains("job 'work' was interrupted: its agent stopped answering")
        .contains("running job 'work' again: attempt 2 of 2 (server.retry-interrupted: 1)")
        .doesNotContain("finished-on-K");
    assertThat(log.indexOf("started-on-K")).isLessThan(log.indexOf("finished-on-R"));

    try (Connection db = cluster.sql()) {
      // One row in the queue, queued again under its id and completed by the second attempt.
      assertThat(queueRows(db, run)).containsExactly("COMPLETED:false");
      // One job, concluded once; the first attempt's open step ended as failed.
      assertThat(rows(db, "SELECT conclusion FROM jobs WHERE run_id = ?", run))
          .containsExactly("success");
      assertThat(steps(db, run))
          .containsExactly("hello:success", "slow:failure", "hello:success", "slow:success");
    }
    // One final status for the commit: no failure or error posted for the interrupted attempt.
    List<String> statuses = cluster.statuses();
    assertThat(statuses).as("%s", statuses).noneMatch(s -> s.contains("\"failure\""));
    assertThat(statuses).noneMatch(s -> s.contains("\"error\""));
    assertThat(statuses.stream().filter(s -> s.contains("\"success\""))).hasSize(1);
  }

  @Test
  void theReRunsAreBoundedAJobInterruptedOnceMoreThanAllowedFails() throws Exception {
    start(1);
    String token = cluster.addAgent(servers.get(0), "agent-k");
    Process first = cluster.agent("agent-k", token, cluster.balancer(), 1, "K");
    long run = dispatch();
    ScaleOutCluster.until(
        Duration.ofMinutes(2), "the first attempt started", () -> count(log(run)) == 1);
    first.destroyForcibly();
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // Started again on the same folder (its left processes cleaned up): it takes the re-run.
    Process second = cluster.agent("agent-k", token, cluster.balancer(), 1, "K");
    ScaleOutCluster.until(
        Duration.ofMinutes(2), "the second attempt started", () -> count(log(run)) == 2);
    second.destroyForcibly();
    assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();

    Map<?, ?> done = awaitCompleted(run);
    assertThat(done.get("conclusion")).isEqualTo("failure");
    assertThat(log(run))
        .contains("running job 'work' again: attempt 2 of 2")
        .doesNotContain("attempt 3");
    try (Connection db = cluster.sql()) {
      assertThat(queueRows(db, run)).containsExactly("COMPLETED:true");
      assertThat(rows(db, "SELECT conclusion FROM jobs WHERE run_id = ?", run))
          .containsExactly("failure");
    }
    assertThat(String.valueOf(done)).contains("its lease expired), in each of its 2 attempts");
  }

  @Test
  void aClaimWhoseAnswerNeverReachedTheAgentRunsAgainWhenItsLeaseRunsOut() throws Exception {
    start(1);
    String token = cluster.addAgent(servers.get(0), "agent-r");
    long run = dispatch();
    try (Connection db = cluster.sql()) {
      ScaleOutCluster.until(
          Duration.ofMinutes(2), "the job queued", () -> queueRows(db, run).size() == 1);
      // What a server killed between committing a claim and answering it leaves: the job taken by
      // the agent under a lease, which that agent never heard of.
      try (PreparedStatement claim =
          db.prepareStatement(
              "UPDATE job_queue SET status = 'IN_PROGRESS', started_at = CURRENT_TIMESTAMP,"
                  + " agent_id = (SELECT id FROM agents WHERE name = 'agent-r'),"
                  + " lease_expires_at = CURRENT_TIMESTAMP + INTERVAL '3 seconds'"
                  + " WHERE run_id = ? AND status = 'QUEUED'")) {
        claim.setLong(1, run);
        assertThat(claim.executeUpdate()).isEqualTo(1);
      }
      cluster.agent("agent-r", token, cluster.balancer(), 1, "R");
      Map<?, ?> done = awaitCompleted(run);
      assertThat(done.get("conclusion")).as(String.valueOf(done)).isEqualTo("success");
      assertThat(queueRows(db, run)).containsExactly("COMPLETED:false");
    }
    assertThat(log(run)).contains("finished-on-R").contains("attempt 2 of 2");
  }

  private long dispatch() throws Exception {
    Map<?, ?> created =
        (Map<?, ?>)
            Expressions.fromJson(
                cluster.send(
                    servers.get(0),
                    "POST",
                    "/api/runs",
                    "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"ci.yml\"}"));
    return ((Number) created.get("id")).longValue();
  }

  /** The run's log through whichever server holds it (the one orchestrating it). */
  private String log(long run) {
    String longest = "";
    for (ScaleOutCluster.Server server : servers) {
      try {
        String log = cluster.send(server, "GET", "/api/runs/" + run + "/logs", null);
        longest = log.length() > longest.length() ? log : longest;
      } catch (Exception | AssertionError notThere) {
        // The other server has no file of it.
      }
    }
    return longest;
  }

  /** How many attempts printed started-on-K (the step's header shows the script too). */
  private static long count(String log) {
    return log.lines().filter(l -> l.endsWith(" started-on-K")).count();
  }

  private Map<?, ?> awaitCompleted(long run) throws Exception {
    ScaleOutCluster.until(
        Duration.ofMinutes(3), "run " + run + " completed", () -> "COMPLETED".equals(status(run)));
    return (Map<?, ?>)
        Expressions.fromJson(cluster.send(servers.get(0), "GET", "/api/runs/" + run, null));
  }

  private String status(long run) {
    try {
      Map<?, ?> read =
          (Map<?, ?>)
              Expressions.fromJson(cluster.send(servers.get(0), "GET", "/api/runs/" + run, null));
      return String.valueOf(read.get("status"));
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static List<String> queueRows(Connection db, long run) {
    return rows(
        db,
        "SELECT status || ':' || CAST(interrupted AS VARCHAR) FROM job_queue WHERE run_id = ?"
            + " ORDER BY id",
        run);
  }

  private static List<String> steps(Connection db, long run) {
    return rows(
        db,
        "SELECT s.name || ':' || s.conclusion FROM steps s JOIN jobs j ON j.id = s.job_id"
            + " WHERE j.run_id = ? ORDER BY s.id",
        run);
  }

  private static List<String> rows(Connection db, String sql, long run) {
    try (PreparedStatement query = db.prepareStatement(sql)) {
      query.setLong(1, run);
      List<String> out = new ArrayList<>();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          out.add(rows.getString(1));
        }
      }
      return out;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
