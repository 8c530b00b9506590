package io.gantry.cli;

import static io.gantry.cli.ServerApi.git;
import static io.gantry.cli.ServerApi.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts and caches cross machines: a server that runs no job itself and two {@code gantry
 * agent} processes with different labels and data folders; a job on agent A uploads an artifact
 * (the built-in actions/upload-artifact, 10 MB of random bytes: two chunks) and saves a cache with
 * the real actions/cache; a job on agent B that needs it downloads the artifact and restores the
 * cache through the server, contents checked; the server lists both, and neither agent's folder
 * holds them.
 */
class AgentArtifactsAndCachesTest {

  private static final String TOKEN = "crossing-e2e-api-token";

  @TempDir Path dir;
  private GantryServer server;
  private final List<Process> agents = new ArrayList<>();
  private String actionSource;

  @BeforeEach
  void start() throws Exception {
    actionSource = ActionRepos.serve(dir.resolve("action-source"));
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/crossing.yml"),
        String.join(
            "\n",
            "name: crossing",
            "on: workflow_dispatch",
            "jobs:",
            "  make:",
            "    runs-on: [self-hosted, alpha]",
            "    steps:",
            "      - uses: actions/cache@v4",
            "        with:",
            "          path: deps",
            "          key: deps-${{ github.run_id }}",
            "      - run: |",
            "          mkdir -p out deps",
            "          head -c 10000000 /dev/urandom > out/big.bin",
            "          sha256sum out/big.bin | cut -d' ' -f1 > out/big.sha",
            "          echo made-on-$AGENT_MARK > out/note.txt",
            "          echo dep-from-$AGENT_MARK > deps/lib.txt",
            "      - uses: actions/upload-artifact@v4",
            "        with:",
            "          name: build",
            "          path: out",
            "  use:",
            "    needs: make",
            "    runs-on: [self-hosted, beta]",
            "    steps:",
            "      - uses: actions/download-artifact@v4",
            "        with:",
            "          name: build",
            "          path: got",
            "      - uses: actions/cache@v4",
            "        id: deps",
            "        with:",
            "          path: deps",
            "          key: deps-${{ github.run_id }}",
            "      - run: |",
            "          echo \"note: $(cat got/note.txt) read on $AGENT_MARK\"",
            "          echo \"cache-hit: ${{ steps.deps.outputs.cache-hit }}\"",
            "          echo \"deps: $(cat deps/lib.txt) read on $AGENT_MARK\"",
            "          test \"$(sha256sum got/big.bin | cut -d' ' -f1)\" = \"$(cat got/big.sha)\"",
            "          echo big-intact",
            ""));
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "workflow");
    git(work, "push", "-q", bare.toString(), "main");
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("server")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 0\n  lease-seconds: 20\n"
            + "repositories:\n  - name: acme/crossing\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: crossing-secret\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : agents) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aJobOnAnotherAgentDownloadsTheArtifactAndRestoresTheCacheThroughTheServer()
      throws Exception {
    agent("A", addAgent("agent-alpha", "alpha"), "agent-alpha");
    agent("B", addAgent("agent-beta", "beta"), "agent-beta");

    Map<?, ?> answer =
        post(
            "/api/runs",
            Map.of("repo", "acme/crossing", "ref", "main", "workflow", "crossing.yml"));
    long run = ((Number) answer.get("id")).longValue();
    until(Duration.ofMinutes(4), () -> "COMPLETED".equals(get("/api/runs/" + run).get("status")));
    Map<?, ?> done = get("/api/runs/" + run);
    String log = text("/api/runs/" + run + "/logs");
    assertThat(done.get("conclusion")).as(log).isEqualTo("success");
    assertThat(log)
        .contains("note: made-on-A read on B")
        .contains("cache-hit: true")
        .contains("deps: dep-from-A read on B")
        .contains("big-intact");

    // The server keeps both: its API lists the artifact and the cache entry.
    Map<?, ?> artifacts = get("/api/runs/" + run + "/artifacts");
    List<?> listed = (List<?>) artifacts.get("artifacts");
    assertThat(listed).hasSize(1);
    Map<?, ?> build = (Map<?, ?>) listed.get(0);
    assertThat(build.get("name")).isEqualTo("build");
    assertThat(((Number) build.get("sizeBytes")).longValue()).isGreaterThan(10_000_000L);
    Map<?, ?> caches = get("/api/caches");
    assertThat(caches.toString()).contains("deps-" + run).contains("acme/crossing");
    byte[] zip = bytes("/api/runs/" + run + "/artifacts/build/zip");
    assertThat(zip.length).isEqualTo(((Number) build.get("sizeBytes")).longValue());

    // Nothing of them on the agents' disks.
    for (String agent : List.of("agent-alpha", "agent-beta")) {
      assertThat(filesNamed(dir.resolve(agent), ".zip")).isEmpty();
      assertThat(filesNamed(dir.resolve(agent).resolve("caches"), ".cache")).isEmpty();
    }
  }

  private static List<Path> filesNamed(Path root, String suffix) throws Exception {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .toList();
    }
  }

  private String addAgent(String name, String label) throws Exception {
    return api().addAgent(name, label);
  }

  private void agent(String mark, String token, String name) throws Exception {
    agents.add(api().startAgent(dir, mark, token, name, "--action-source", actionSource));
  }

  private ServerApi api() {
    return new ServerApi(server.port(), TOKEN);
  }

  private Map<?, ?> get(String path) {
    return api().get(path);
  }

  private String text(String path) throws Exception {
    return api().text(path);
  }

  private byte[] bytes(String path) throws Exception {
    return api().bytes(path);
  }

  private Map<?, ?> post(String path, Map<String, Object> body) throws Exception {
    return api().post(path, body);
  }
}
