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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real actions/cache v4 and v5 (run on Node.js through the node action runner) against the
 * cache service on 127.0.0.1: save in one job, restore in the next, restore-keys, a refused second
 * save, a token rejected after its job.
 */
class CacheServiceTest {

  @TempDir Path dir;
  private CacheStore store;
  private CacheService service;
  private ActionFetcher fetcher;
  private NodeActionRunner runner;
  private final List<String> lines = new ArrayList<>();
  private int steps;

  @BeforeEach
  void start() throws Exception {
    store = CacheStore.open(dir.resolve("data/caches"), CacheStore.DEFAULT_MAX_BYTES);
    service = CacheService.start(store, "127.0.0.1", 0);
    String source = ActionRepos.serve(dir.resolve("source"));
    fetcher =
        new ActionFetcher(
            dir.resolve("data/actions"), new ActionSources(List.of(source), Map.of()));
    runner = new NodeActionRunner(NodeRuntime.locate(null, System.getenv("PATH")));
  }

  @AfterEach
  void stop() {
    service.close();
  }

  /** One job: a workspace and a token of its own. */
  private record Job(Path workspace, String token) {}

  private Job job(String name) throws Exception {
    Path workspace = Files.createDirectories(dir.resolve(name + "/workspace"));
    return new Job(workspace, store.issueToken("acme/web", "refs/heads/main", "main"));
  }

  private NodeResult run(
      FetchedAction cache,
      Job job,
      Phase phase,
      Map<String, String> with,
      Map<String, String> state)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", Files.createDirectories(job.workspace().resolveSibling("home")).toString());
    env.put("GITHUB_WORKSPACE", job.workspace().toString());
    env.put(
        "RUNNER_TEMP", Files.createDirectories(job.workspace().resolveSibling("tmp")).toString());
    env.put("RUNNER_OS", "Linux");
    env.put("GITHUB_REF", "refs/heads/main");
    env.put("GITHUB_REPOSITORY", "acme/web");
    env.putAll(service.environment(job.token()));
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
            job.workspace());
    ActionInputs inputs = ActionInputs.resolve(cache.manifest(), with, context);
    NodeResult result =
        runner.run(
            new NodeActionRunner.NodeStep(
                cache,
                phase,
                inputs,
                env,
                job.workspace(),
                job.workspace().resolveSibling("step" + steps++),
                state),
            ProcessLauncher.direct(lines::add));
    assertThat(result.succeeded()).as(String.join("\n", lines)).isTrue();
    return result;
  }

  private static void writeRepository(Path root) throws Exception {
    Path jar = root.resolve("org/acme/lib/1.0/lib-1.0.jar");
    Files.createDirectories(jar.getParent());
    byte[] bytes = new byte[200_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + i / 7);
    }
    Files.write(jar, bytes);
    Files.writeString(root.resolve("org/acme/lib/1.0/lib-1.0.pom"), "<project/>\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"v4", "v5"})
  void theRealActionsCacheSavesInOneJobAndRestoresInTheNext(String version) throws Exception {
    FetchedAction cache = fetcher.fetch(ActionReference.parse("actions/cache@" + version));
    Map<String, String> with = Map.of("path", "m2/repository", "key", "maven-abc");

    Job first = job("first");
    NodeResult miss = run(cache, first, Phase.MAIN, with, Map.of());
    assertThat(miss.outputs().get("cache-hit")).isIn(null, "", "false");
    writeRepository(first.workspace().resolve("m2/repository"));
    run(cache, first, Phase.POST, with, miss.state());
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("Cache saved with key: maven-abc"));
    store.revokeToken(first.token());
    assertThat(store.list("acme/web")).extracting(CacheEntry::key).containsExactly("maven-abc");

    Job second = job("second");
    NodeResult hit = run(cache, second, Phase.MAIN, with, Map.of());
    assertThat(hit.outputs()).containsEntry("cache-hit", "true");
    Path jar = "org/acme/lib/1.0/lib-1.0.jar".transform(Path::of);
    assertThat(Files.readAllBytes(second.workspace().resolve("m2/repository").resolve(jar)))
        .isEqualTo(Files.readAllBytes(first.workspace().resolve("m2/repository").resolve(jar)));

    // A new key with a restore-key prefix: restored, but not an exact hit.
    Job third = job("third");
    NodeResult partial =
        run(
            cache,
            third,
            Phase.MAIN,
            Map.of("path", "m2/repository", "key", "maven-def", "restore-keys", "maven-"),
            Map.of());
    assertThat(partial.outputs()).containsEntry("cache-hit", "false");
    assertThat(third.workspace().resolve("m2/repository").resolve(jar)).exists();

    // Another job that missed saves the same key: refused, the action only warns.
    lines.clear();
    Job fourth = job("fourth");
    writeRepository(fourth.workspace().resolve("m2/repository"));
    run(cache, fourth, Phase.POST, with, Map.of("CACHE_KEY", "maven-abc"));
    assertThat(String.join("\n", lines)).contains("Unable to reserve cache with key maven-abc");
    assertThat(store.list("acme/web")).hasSize(1);

    // The first job's token no longer works.
    HttpResponse<String> late =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            service.baseUrl()
                                + "_apis/artifactcache/cache?keys=maven-abc&version=x"))
                    .header("Authorization", "Bearer " + first.token())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(late.statusCode()).isEqualTo(401);
    assertThat(late.body()).contains("the job it was issued to has ended");
  }
}
