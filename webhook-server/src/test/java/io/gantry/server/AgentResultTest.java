package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.JobQueue;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A result that asks for the worker's next job ({@code claim} in its body) gets it in the answer,
 * each job handed out once; every ticket carries the job's cache token, which works while the job
 * runs and stops working once its result is in; a result that does not ask gets no job.
 */
class AgentResultTest {

  private static final String WORKFLOW =
      """
name: ci
on: push
jobs:
  m:
    runs-on: [self-hosted, results]
    strategy:
      matrix:
        n: [1, 2, 3]
    steps:
      - run: echo ${{ matrix.n }}
""";

  private static final String CACHE_PROBE = "/_apis/artifactcache/cache?keys=k&version=v1";

  @TempDir Path dir;
  private TestServer server;
  private String agentToken;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void eachResultBringsTheNextQueuedJobOnceAndEndsTheCacheTokenOfItsOwn() throws Exception {
    server = TestServer.start(dir.resolve("server"), WORKFLOW, "");
    TestServer.Answer pushed = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
    Map<?, ?> added =
        json(
            call(
                "/api/agents",
                TestServer.TOKEN,
                Map.of("name", "worker", "labels", List.of("results"))));
    agentToken = String.valueOf(added.get("token"));
    Map<String, Object> claim = new LinkedHashMap<>();
    claim.put("labels", List.of("results"));
    claim.put("os", "linux");
    claim.put("arch", "x64");
    claim.put("version", "test");
    Map<String, Object> longPoll = new LinkedHashMap<>(claim);
    longPoll.put("waitSeconds", 25);
    Map<?, ?> ticket = null;
    for (int i = 0; i < 6 && ticket == null; i++) {
      ticket = (Map<?, ?>) json(call("/api/agent/claim", agentToken, longPoll)).get("job");
    }
    assertThat(ticket).isNotNull();
    long runId = ((Number) ticket.get("runId")).longValue();
    // The other two instances are queued before the first result goes in.
    try (RunStore store = Stores.openEmbedded(dir.resolve("server").resolve("data"))) {
      JobQueue queue = JobQueue.in(store);
      for (int i = 0; i < 3000 && queue.queuedOf(runId).size() < 2; i++) {
        Thread.sleep(10);
      }
      assertThat(queue.queuedOf(runId)).hasSize(2);

      List<Long> handedOut = new ArrayList<>();
      List<String> tokens = new ArrayList<>();
      while (ticket != null) {
        long id = ((Number) ticket.get("id")).longValue();
        handedOut.add(id);
        String cacheToken = String.valueOf(ticket.get("cacheToken"));
        tokens.add(cacheToken);
        // The job's cache token works while it runs (no entry yet: 204, not 401).
        assertThat(cache(cacheToken)).isEqualTo(204);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("conclusion", "SUCCESS");
        result.put("outputs", Map.of());
        result.put("millis", 1);
        result.put("events", List.of(Map.of("type", "jobStarted")));
        result.put("claim", claim);
        Map<?, ?> answer = json(call("/api/agent/jobs/" + id + "/result", agentToken, result));
        assertThat(answer.get("accepted")).isEqualTo(true);
        assertThat(cache(cacheToken)).isEqualTo(401);
        ticket = (Map<?, ?>) answer.get("job");
      }

      assertThat(handedOut).hasSize(3);
      assertThat(new HashSet<>(handedOut)).hasSize(3);
      assertThat(new HashSet<>(tokens)).hasSize(3);
      Set<Long> ofRun = new HashSet<>();
      for (JobQueue.QueuedJob j : queue.ofRun(runId)) {
        ofRun.add(j.id());
        assertThat(j.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(j.interrupted()).isFalse();
        assertThat(j.result()).doesNotContain("claim").doesNotContain("events");
      }
      assertThat(ofRun).isEqualTo(new HashSet<>(handedOut));
    }
  }

  private int cache(String token) throws Exception {
    return server
        .send("GET", CACHE_PROBE, Map.of("Authorization", "Bearer " + token), new byte[0])
        .status();
  }

  private TestServer.Answer call(String path, String token, Map<String, Object> body)
      throws Exception {
    return server.send(
        "POST",
        path,
        Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"),
        Expressions.toJson(body).getBytes(StandardCharsets.UTF_8));
  }

  private static Map<?, ?> json(TestServer.Answer answer) throws Exception {
    assertThat(answer.status()).as(answer.body()).isBetween(200, 299);
    return (Map<?, ?>) Expressions.fromJson(answer.body());
  }
}
