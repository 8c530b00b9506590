package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.expression.Expressions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache entries through the server's REST API: a push runs the real actions/cache (fetched from
 * a {@code file://} action source), whose post step saves through the server's cache service;
 * {@code GET /api/caches} lists the entry, {@code DELETE /api/caches/{id}} removes it, and only an
 * operator may delete.
 */
class CacheApiTest {

  private static final String WORKFLOW =
      """
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p deps && echo "saved by the server" > deps/file.txt
      - id: cache
        uses: actions/cache@v4
        with:
          path: deps
          key: deps-${{ runner.os }}-1
""";

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anEntrySavedByTheRealCacheActionIsListedAndDeleted() throws Exception {
    String source = ActionRepos.serve(dir.resolve("source"));
    server = TestServer.start(dir, WORKFLOW, "actions:\n  sources:\n    - " + source + "\n");
    TestServer.Answer pushed = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
    long run = ((Number) ((List<?>) json(pushed).get("runs")).get(0)).longValue();
    Map<?, ?> done = awaitCompleted(run);
    String log = server.send("GET", "/api/runs/" + run + "/logs", Map.of(), new byte[0]).body();
    assertThat(done.get("conclusion")).as(log).isEqualTo("success");

    Map<?, ?> listed = json(get("/api/caches?repo=acme/web"));
    List<?> caches = (List<?>) listed.get("caches");
    assertThat(caches).as(String.valueOf(listed)).hasSize(1);
    Map<?, ?> entry = (Map<?, ?>) caches.get(0);
    assertThat(entry.get("repository")).isEqualTo("acme/web");
    assertThat(entry.get("key")).isEqualTo("deps-Linux-1");
    assertThat(entry.get("scope")).isEqualTo("refs/heads/main");
    assertThat((String) entry.get("version")).matches("[0-9a-f]{64}");
    long size = ((Number) entry.get("sizeBytes")).longValue();
    assertThat(size).isPositive();
    assertThat(((Number) listed.get("totalBytes")).longValue()).isEqualTo(size);
    assertThat(entry.get("lastUsedAt")).isNotNull();
    long id = ((Number) entry.get("id")).longValue();

    // Filters: another repository or key lists nothing.
    assertThat((List<?>) json(get("/api/caches?repo=acme/other")).get("caches")).isEmpty();
    assertThat((List<?>) json(get("/api/caches?repo=acme/web&key=nope")).get("caches")).isEmpty();
    assertThat((List<?>) json(get("/api/caches")).get("caches")).hasSize(1);

    // Reads need a reader, deletes an operator.
    assertThat(
            server
                .send("GET", "/api/caches", Map.of("Authorization", "Bearer wrong"), new byte[0])
                .status())
        .isEqualTo(401);
    assertThat(server.send("DELETE", "/api/caches/" + id, Map.of(), new byte[0]).status())
        .isEqualTo(401);
    assertThat((List<?>) json(get("/api/caches")).get("caches")).hasSize(1);

    TestServer.Answer deleted = delete("/api/caches/" + id);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
    assertThat((List<?>) json(get("/api/caches?repo=acme/web")).get("caches")).isEmpty();

    TestServer.Answer again = delete("/api/caches/" + id);
    assertThat(again.status()).isEqualTo(404);
    assertThat(json(again).get("message")).isEqualTo("no cache entry " + id);
    TestServer.Answer bad = delete("/api/caches/abc");
    assertThat(bad.status()).isEqualTo(400);
    assertThat((String) json(bad).get("message")).startsWith("a cache id is a number");
  }

  private TestServer.Answer get(String path) throws Exception {
    TestServer.Answer answer = server.send("GET", path, Map.of(), new byte[0]);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer;
  }

  private TestServer.Answer delete(String path) throws Exception {
    return server.send(
        "DELETE", path, Map.of("Authorization", "Bearer " + TestServer.TOKEN), new byte[0]);
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      Map<?, ?> run = json(server.send("GET", "/api/runs/" + id, Map.of(), new byte[0]));
      if ("COMPLETED".equals(run.get("status")) || System.currentTimeMillis() > deadline) {
        return run;
      }
      Thread.sleep(100);
    }
  }

  private static Map<?, ?> json(TestServer.Answer answer) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(answer.body());
  }
}
