package io.gantry.server.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.node.ActionInputs;
import io.gantry.runner.action.node.NodeActionRunner;
import io.gantry.runner.action.node.NodeActionRunner.NodeResult;
import io.gantry.runner.action.node.NodeActionRunner.Phase;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.node.ProcessLauncher;
import io.gantry.runner.action.remote.ActionFetcher;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.cache.CacheEntry;
import io.gantry.runner.cache.CacheStore;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.toolcache.ToolCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real setup-java v5 with {@code cache: maven}: the JDK from the tool cache, and {@code
 * ~/.m2/repository} saved by one job's post step and restored by the next job, through the cache
 * service.
 */
class SetupJavaMavenCacheTest {

  @TempDir Path dir;
  private final List<String> lines = new ArrayList<>();

  @Test
  void setupJavaWithCacheMavenSavesAndRestoresTheMavenRepository() throws Exception {
    Path toolCache = dir.resolve("data/tool-cache");
    ToolCache.fill(
        toolCache, List.of(Path.of(System.getProperty("java.home"))), System.getenv("PATH"));
    String distribution =
        ToolCache.list(toolCache).stream()
            .filter(t -> t.name().equals("Java_Temurin-Hotspot_jdk"))
            .findFirst()
            .map(t -> "temurin")
            .orElse(null);
    assertThat(distribution).as("this JDK is offered as Temurin").isNotNull();
    CacheStore store = CacheStore.open(dir.resolve("data/caches"), CacheStore.DEFAULT_MAX_BYTES);
    FetchedAction setupJava =
        new ActionFetcher(
                dir.resolve("data/actions"),
                new ActionSources(List.of(ActionRepos.serve(dir.resolve("source"))), Map.of()))
            .fetch(ActionReference.parse("actions/setup-java@v5"));
    NodeActionRunner runner = new NodeActionRunner(NodeRuntime.locate(null, System.getenv("PATH")));
    Map<String, String> with =
        Map.of(
            "distribution",
            distribution,
            "java-version",
            String.valueOf(Runtime.version().feature()),
            "cache",
            "maven");

    try (CacheService service = CacheService.start(store, "127.0.0.1", 0)) {
      // Job 1: nothing cached yet; the build fills ~/.m2/repository; the post step saves it.
      // One HOME for both jobs, as on one runner: setup-java's cache version hashes the absolute
      // path of ~/.m2/repository.
      Path home1 = Files.createDirectories(dir.resolve("home"));
      Path ws1 = workspace(dir.resolve("job1"));
      String token1 = store.issueToken("acme/web", "refs/heads/main", "main");
      Map<String, String> env1 = env(home1, ws1, toolCache, service.environment(token1));
      NodeResult main1 = run(runner, setupJava, Phase.MAIN, with, env1, ws1, Map.of());
      assertThat(main1.outputs().get("cache-hit")).isIn(null, "", "false");
      Path artifact = Path.of("org/acme/dep/1.0/dep-1.0.jar");
      Files.createDirectories(home1.resolve(".m2/repository").resolve(artifact).getParent());
      Files.writeString(home1.resolve(".m2/repository").resolve(artifact), "jar bytes");
      run(runner, setupJava, Phase.POST, with, env1, ws1, main1.state());
      assertThat(String.join("\n", lines)).contains("Cache saved with the key: setup-java-Linux-");
      store.revokeToken(token1);
      assertThat(store.list("acme/web"))
          .extracting(CacheEntry::key)
          .singleElement()
          .asString()
          .startsWith("setup-java-");

      // Job 2: ~/.m2 gone; setup-java restores the repository before the build.
      Path home2 = home1;
      try (var files = Files.walk(home1.resolve(".m2"))) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      Path ws2 = workspace(dir.resolve("job2"));
      String token2 = store.issueToken("acme/web", "refs/heads/main", "main");
      Map<String, String> env2 = env(home2, ws2, toolCache, service.environment(token2));
      NodeResult main2 = run(runner, setupJava, Phase.MAIN, with, env2, ws2, Map.of());
      assertThat(main2.outputs()).containsEntry("cache-hit", "true");
      assertThat(home2.resolve(".m2/repository").resolve(artifact)).hasContent("jar bytes");
    }
  }

  private static Path workspace(Path job) throws Exception {
    Path ws = Files.createDirectories(job.resolve("workspace"));
    Files.writeString(ws.resolve("pom.xml"), "<project><artifactId>web</artifactId></project>\n");
    return ws;
  }

  private static Map<String, String> env(
      Path home, Path ws, Path toolCache, Map<String, String> cache) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", home.toString());
    env.put("GITHUB_WORKSPACE", ws.toString());
    env.put("RUNNER_TOOL_CACHE", toolCache.toString());
    env.put("RUNNER_TEMP", Files.createDirectories(ws.resolveSibling("tmp")).toString());
    env.put("RUNNER_OS", "Linux");
    env.put("GITHUB_REF", "refs/heads/main");
    env.put("GITHUB_REPOSITORY", "acme/web");
    env.putAll(cache);
    return env;
  }

  private NodeResult run(
      NodeActionRunner runner,
      FetchedAction action,
      Phase phase,
      Map<String, String> with,
      Map<String, String> env,
      Path ws,
      Map<String, String> state)
      throws Exception {
    ExpressionContext context =
        new ExpressionContext(
            Map.of(
                "github",
                Map.of("token", "t"),
                "runner",
                Map.of("os", "Linux"),
                "env",
                Map.of(),
                "job",
                Map.of("status", "success")),
            ExpressionContext.JobStatus.SUCCEEDING,
            ws);
    NodeResult result =
        runner.run(
            new NodeActionRunner.NodeStep(
                action,
                phase,
                ActionInputs.resolve(action.manifest(), with, context),
                env,
                ws,
                ws.resolveSibling("step-" + phase),
                state),
            ProcessLauncher.direct(lines::add));
    assertThat(result.succeeded()).as(String.join("\n", lines)).isTrue();
    return result;
  }
}
