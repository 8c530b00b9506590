package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code gantry serve} processes on one PostgreSQL and one {@code gantry agent} whose {@code
 * --server} is the server that does NOT orchestrate the run (as behind a load balancer, where an
 * agent reaches any server): every line, step and the result of its job reach the run's log, its
 * steps and the live followers on both servers, in order.
 */
class AgentThroughAnotherServerTest {

  private static final int LINES = 1_200;
  private static final Pattern LINE = Pattern.compile("line-(\\d+)");

  @TempDir Path dir;
  private ScaleOutCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyLineOfAJobWhoseAgentTalksToTheOtherServerReachesTheRunsLogStepsAndFollowers()
      throws Exception {
    cluster =
        new ScaleOutCluster(
            dir,
            "name: talk\non: workflow_dispatch\njobs:\n  talk:\n    runs-on: [self-hosted]\n"
                + "    steps:\n      - name: hello\n        run: echo hello-from-$AGENT_MARK\n"
                + "      - name: many\n        run: for i in $(seq 1 "
                + LINES
                + "); do echo line-$i; done\n");
    ScaleOutCluster.Server one = cluster.server(8);
    ScaleOutCluster.Server two = cluster.server(8);
    String token = cluster.addAgent(one, "lone-agent");

    Map<?, ?> created =
        (Map<?, ?>)
            Expressions.fromJson(
                cluster.send(
                    one,
                    "POST",
                    "/api/runs",
                    "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"ci.yml\"}"));
    long run = ((Number) created.get("id")).longValue();
    // Whichever server orchestrates it, the agent is pointed at the other one.
    String owner;
    try (Connection db = cluster.sql()) {
      ScaleOutCluster.until(
          Duration.ofMinutes(2), "run " + run + " claimed", () -> leaseOwner(db, run) != null);
      owner = leaseOwner(db, run);
    }
    ScaleOutCluster.Server orchestrator = one.owns(owner) ? one : two;
    ScaleOutCluster.Server other = orchestrator == one ? two : one;
    assertThat(other.owns(owner)).isFalse();
    assertThat(orchestrator.owns(owner)).as(owner).isTrue();

    // Live followers on both servers from before the first line.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<List<String>>> followers = new ArrayList<>();
    for (ScaleOutCluster.Server server : List.of(orchestrator, other)) {
      HttpResponse<Stream<String>> stream =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(server.base() + "/api/runs/" + run + "/logs/stream"))
                  .header("Authorization", "Bearer " + ScaleOutCluster.TOKEN)
                  .header("Accept", "text/event-stream")
                  .build(),
              HttpResponse.BodyHandlers.ofLines());
      assertThat(stream.statusCode()).isEqualTo(200);
      followers.add(CompletableFuture.supplyAsync(() -> events(stream.body())));
    }
    Thread.sleep(500);
    cluster.agent("lone-agent", token, other.base(), 1, "L");

    Map<?, ?> done = awaitCompleted(orchestrator, run);
    assertThat(done.get("conclusion")).as(String.valueOf(done)).isEqualTo("success");
    assertThat(cluster.output("lone-agent")).contains("serving " + other.base());

    // The run's log (a file of the orchestrating server) has every line once, in order.
    String log = cluster.send(orchestrator, "GET", "/api/runs/" + run + "/logs", null);
    assertThat(log).contains("hello-from-L");
    assertThat(numbers(log.lines())).containsExactlyElementsOf(oneTo(LINES));

    // Its steps were recorded from the agent's events.
    try (Connection db = cluster.sql();
        PreparedStatement steps =
            db.prepareStatement(
                "SELECT s.name, s.conclusion FROM steps s JOIN jobs j ON j.id = s.job_id"
                    + " WHERE j.run_id = ? ORDER BY s.number")) {
      steps.setLong(1, run);
      List<String> recorded = new ArrayList<>();
      try (ResultSet rows = steps.executeQuery()) {
        while (rows.next()) {
          recorded.add(rows.getString(1) + ":" + rows.getString(2));
        }
      }
      assertThat(recorded).containsExactly("hello:success", "many:success");
    }

    for (CompletableFuture<List<String>> follower : followers) {
      List<String> data = follower.get(2, java.util.concurrent.TimeUnit.MINUTES);
      assertThat(
              data.stream()
                  .filter(d -> d.startsWith("log "))
                  .anyMatch(d -> d.contains("hello-from-L")))
          .as("%s", data)
          .isTrue();
      assertThat(numbers(data.stream().filter(d -> d.startsWith("log "))))
          .containsExactlyElementsOf(oneTo(LINES));
      assertThat(data).last().isEqualTo("end success");
    }
  }

  private static String leaseOwner(Connection db, long run) {
    try (PreparedStatement select =
        db.prepareStatement(
            "SELECT lease_owner FROM runs WHERE id = ? AND status = 'IN_PROGRESS'")) {
      select.setLong(1, run);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The SSE stream's data lines as "EVENT DATA", up to the end event. */
  private static List<String> events(Stream<String> lines) {
    List<String> data = new ArrayList<>();
    String event = null;
    Iterator<String> it = lines.iterator();
    while (it.hasNext()) {
      String line = it.next();
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data.add(event + " " + line.substring(6));
        if ("end".equals(event)) {
          break;
        }
      }
    }
    return data;
  }

  private static List<Integer> numbers(Stream<String> lines) {
    return lines
        .map(LINE::matcher)
        .filter(Matcher::find)
        .map(m -> Integer.parseInt(m.group(1)))
        .toList();
  }

  private static List<Integer> oneTo(int n) {
    return IntStream.rangeClosed(1, n).boxed().toList();
  }

  private Map<?, ?> awaitCompleted(ScaleOutCluster.Server server, long run) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    Map<?, ?> answer = Map.of();
    while (System.currentTimeMillis() < deadline) {
      answer =
          (Map<?, ?>) Expressions.fromJson(cluster.send(server, "GET", "/api/runs/" + run, null));
      if ("COMPLETED".equals(answer.get("status"))) {
        return answer;
      }
      Thread.sleep(300);
    }
    throw new AssertionError("run " + run + " did not complete: " + answer);
  }
}
