package io.gantry.bench;

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
import io.gantry.server.cache.CacheService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark (2) of issue 12: restoring a Maven-like repository of {@code MB} megabytes with the
 * real {@code actions/cache@v4} through Gantry's cache service (lookup, download over HTTP on
 * 127.0.0.1, extraction by the action's own {@code tar}) against {@code tar -x} of the very archive
 * the service stores, from local disk, with the same decompressor. Alternating, medians. Run by
 * {@code bench/cache-restore}.
 *
 * <p>Args: WORK_DIR MB REPETITIONS.
 */
public final class CacheRestoreBench {

  private static final List<String> LINES = new ArrayList<>();

  private CacheRestoreBench() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int megabytes = Integer.parseInt(args[1]);
    int repetitions = Integer.parseInt(args[2]);
    Path home = Files.createDirectories(work.resolve("home"));
    Path repository = home.resolve(".m2/repository");
    long bytes = mavenLike(repository, megabytes);
    System.out.printf("repository: %d files, %.1f MB%n", count(repository), bytes / 1e6);

    CacheStore store = CacheStore.open(work.resolve("data/caches"), CacheStore.DEFAULT_MAX_BYTES);
    FetchedAction cache =
        new ActionFetcher(
                work.resolve("data/actions"),
                new ActionSources(List.of(ActionRepos.serve(work.resolve("source"))), Map.of()))
            .fetch(ActionReference.parse("actions/cache@v4"));
    NodeActionRunner runner = new NodeActionRunner(NodeRuntime.locate(null, System.getenv("PATH")));
    Map<String, String> with = Map.of("path", "~/.m2/repository", "key", "maven-bench-1");
    Path ws = Files.createDirectories(work.resolve("ws"));
    try (CacheService service = CacheService.start(store, "127.0.0.1", 0)) {
      String saveToken = store.issueToken("acme/web", "refs/heads/main", "main");
      Map<String, String> env = env(home, ws, service.environment(saveToken));
      NodeResult miss = run(runner, cache, Phase.MAIN, with, env, ws, Map.of());
      long saveStart = System.nanoTime();
      run(runner, cache, Phase.POST, with, env, ws, miss.state());
      System.out.printf("save (post step): %d ms%n", (System.nanoTime() - saveStart) / 1_000_000);
      store.revokeToken(saveToken);
      CacheEntry entry = store.list("acme/web").get(0);
      Path archive = store.archiveOf(entry.id()).orElseThrow();
      System.out.printf("archive: %.1f MB (%s)%n", Files.size(archive) / 1e6, archive);

      long[] gantry = new long[repetitions];
      long[] tar = new long[repetitions];
      for (int i = 0; i < repetitions; i++) {
        delete(repository);
        String token = store.issueToken("acme/web", "refs/heads/main", "main");
        Map<String, String> restoreEnv = env(home, ws, service.environment(token));
        long t0 = System.nanoTime();
        NodeResult hit = run(runner, cache, Phase.MAIN, with, restoreEnv, ws, Map.of());
        gantry[i] = System.nanoTime() - t0;
        store.revokeToken(token);
        if (!"true".equals(hit.outputs().get("cache-hit")) || count(repository) == 0) {
          throw new IllegalStateException("no cache hit: " + String.join("\n", LINES));
        }

        delete(repository);
        Files.createDirectories(home);
        long t1 = System.nanoTime();
        // What the toolkit runs for a .tzst archive, minus the HTTP download: tar with zstd.
        Process p =
            new ProcessBuilder(
                    "tar",
                    "-xf",
                    archive.toString(),
                    "-P",
                    "-C",
                    ws.toString(),
                    "--use-compress-program",
                    "unzstd")
                .inheritIO()
                .start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException("tar -x failed");
        }
        tar[i] = System.nanoTime() - t1;
        if (count(repository) == 0) {
          throw new IllegalStateException("tar -x restored nothing at " + repository);
        }
        System.out.printf(
            "  #%d actions/cache restore %d ms, tar -x %d ms%n",
            i + 1, gantry[i] / 1_000_000, tar[i] / 1_000_000);
      }
      double g = median(gantry) / 1e6;
      double t = median(tar) / 1e6;
      System.out.printf(
          "median: actions/cache restore through Gantry %.0f ms, tar -x of the same archive %.0f"
              + " ms, ratio %.2f (goal: at most 1.5)%n",
          g, t, g / t);
    }
  }

  /**
   * A Maven-like tree: groups/artifacts/versions with a jar (incompressible bytes, as jars are
   * already compressed), a pom and checksum files, up to {@code megabytes}.
   */
  private static long mavenLike(Path root, int megabytes) throws Exception {
    Random random = new Random(42);
    long total = 0;
    long target = megabytes * 1_000_000L;
    int n = 0;
    while (total < target) {
      Path version =
          root.resolve("org/example" + (n % 40))
              .resolve("artifact-" + n)
              .resolve("1." + (n % 7) + ".0");
      Files.createDirectories(version);
      int size = 20_000 + random.nextInt(400_000);
      byte[] jar = new byte[size];
      random.nextBytes(jar);
      Files.write(version.resolve("artifact-" + n + ".jar"), jar);
      String pom = "<project><artifactId>artifact-" + n + "</artifactId></project>\n";
      Files.writeString(version.resolve("artifact-" + n + ".pom"), pom);
      Files.writeString(version.resolve("artifact-" + n + ".jar.sha1"), "0".repeat(40));
      Files.writeString(
          version.resolve("_remote.repositories"), "artifact-" + n + ".jar>central=\n");
      total += size + pom.length() + 40 + 30;
      n++;
    }
    return total;
  }

  private static long count(Path root) throws Exception {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (var files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  private static void delete(Path root) throws Exception {
    if (!Files.exists(root)) {
      return;
    }
    try (var files = Files.walk(root)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  private static Map<String, String> env(Path home, Path ws, Map<String, String> cache)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", home.toString());
    env.put("GITHUB_WORKSPACE", ws.toString());
    env.put("RUNNER_TEMP", Files.createDirectories(ws.resolveSibling("tmp")).toString());
    env.put("RUNNER_OS", "Linux");
    env.put("GITHUB_REF", "refs/heads/main");
    env.put("GITHUB_REPOSITORY", "acme/web");
    env.putAll(cache);
    return env;
  }

  private static NodeResult run(
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
                "github", Map.of("token", "t"),
                "runner", Map.of("os", "Linux"),
                "env", Map.of(),
                "job", Map.of("status", "success")),
            ExpressionContext.JobStatus.SUCCEEDING,
            ws);
    LINES.clear();
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
            ProcessLauncher.direct(LINES::add));
    if (!result.succeeded()) {
      throw new IllegalStateException(phase + " failed: " + String.join("\n", LINES));
    }
    return result;
  }
}
