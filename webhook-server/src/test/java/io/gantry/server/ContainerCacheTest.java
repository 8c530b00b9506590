package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.testing.Podman;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real actions/cache in {@code container:} jobs under {@code gantry serve}: the cache service
 * listens on 127.0.0.1, which a job container cannot reach, so the job gets it through a relay on
 * its network's gateway; one job saves, the next (another container, another home) restores, and
 * the archive is downloaded through the same relay.
 */
@Tag("containers")
class ContainerCacheTest {

  private static final String CI =
      """
      name: ci
      on: push
      jobs:
        save:
          runs-on: ubuntu-latest
          container: %1$s
          steps:
            - run: mkdir -p ~/deps && echo "built in a container" > ~/deps/file.txt
            - id: cache
              uses: actions/cache@v4
              with:
                path: ~/deps
                key: deps-container-1
            - run: echo "save-hit=[${{ steps.cache.outputs.cache-hit }}]"
        restore:
          needs: save
          runs-on: ubuntu-latest
          container: %1$s
          steps:
            - id: cache
              uses: actions/cache@v4
              with:
                path: ~/deps
                key: deps-container-1
            - run: echo "restore-hit=[${{ steps.cache.outputs.cache-hit }}] $(cat ~/deps/file.txt)"
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
  void theRealCacheActionSavesAndRestoresFromJobContainers() throws Exception {
    String image = GnuTarImage.ensure(Podman.require());
    String source = ActionRepos.serve(dir.resolve("source"));
    Map<String, String> files = new LinkedHashMap<>();
    files.put(".github/workflows/ci.yml", CI.formatted(image));
    server = TestServer.withFiles(dir, files, "actions:\n  sources:\n    - " + source + "\n");
    TestServer.Answer pushed = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
    long run =
        ((Number) ((List<?>) ((Map<?, ?>) Expressions.fromJson(pushed.body())).get("runs")).get(0))
            .longValue();
    Map<?, ?> done = awaitCompleted(run);
    String log = server.send("GET", "/api/runs/" + run + "/logs", Map.of(), new byte[0]).body();
    assertThat(done.get("conclusion")).as(log).isEqualTo("success");
    assertThat(log)
        .contains("save-hit=[]")
        .contains("Cache saved with key: deps-container-1")
        .contains("Cache restored from key: deps-container-1")
        .contains("restore-hit=[true] built in a container")
        .doesNotContain("cannot reach")
        .doesNotContain("Failed to save")
        .doesNotContain("Failed to restore");
    Map<?, ?> caches =
        (Map<?, ?>)
            Expressions.fromJson(
                server.send("GET", "/api/caches?repo=acme/web", Map.of(), new byte[0]).body());
    assertThat(String.valueOf(caches.get("caches"))).contains("key=deps-container-1");
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 300_000;
    while (true) {
      Map<?, ?> run =
          (Map<?, ?>)
              Expressions.fromJson(
                  server.send("GET", "/api/runs/" + id, Map.of(), new byte[0]).body());
      if ("COMPLETED".equals(run.get("status")) || System.currentTimeMillis() > deadline) {
        return run;
      }
      Thread.sleep(200);
    }
  }
}
