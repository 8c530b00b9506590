package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.expression.Expressions;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry caches} on entries the real actions/cache (from a {@code file://} action source)
 * saved: on the local data directory after {@code gantry run}, and through a server on 127.0.0.1
 * after a dispatched run, with {@code gantry} as a separate process carrying the API token.
 */
class CachesCommandTest {

  private static final String TOKEN = "caches-api-token";
  private static final String STEPS =
      """
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p deps && echo "cached" > deps/file.txt
      - id: cache
        uses: actions/cache@v4
        with:
          path: deps
          key: deps-${{ runner.os }}-1
      - run: echo "hit=[${{ steps.cache.outputs.cache-hit }}]"
""";

  @TempDir Path dir;
  private GantryServer server;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private int gantry(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void theEntriesOfGantryRunAreListedAndDeletedByKeyOnTheDataDirectory() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo/.github/workflows")).getParent();
    repo = repo.getParent();
    Files.writeString(
        repo.resolve(".github/workflows/ci.yml"), "on: push\njobs:\n  build:\n" + STEPS);
    String data = dir.resolve("data").toString();
    String source = ActionRepos.serve(dir.resolve("source"));
    String[] run = {
      "run", repo.toString(), "--data-dir", data, "--action-source", source, "--repo", "acme/web"
    };

    assertThat(gantry("caches", "--local", "--data-dir", data)).isZero();
    assertThat(out.toString()).isEqualTo("no cache entries\n");

    assertThat(gantry(run)).as(out + "\n" + err).isZero();
    assertThat(out.toString()).contains("hit=[]").contains("Cache saved");

    assertThat(gantry("caches", "--local", "--data-dir", data, "--repo", "acme/web"))
        .as(err.toString())
        .isZero();
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0].split(" +"))
        .containsExactly("ID", "REPOSITORY", "KEY", "VERSION", "SCOPE", "BYTES", "LAST", "USED");
    String[] row = lines[1].split(" +");
    assertThat(row[0]).isEqualTo("1");
    assertThat(row[1]).isEqualTo("acme/web");
    assertThat(row[2]).isEqualTo("deps-Linux-1");
    assertThat(row[3]).matches("[0-9a-f]{12}");
    assertThat(row[4]).startsWith("refs/heads/");
    assertThat(Long.parseLong(row[5])).isPositive();
    assertThat(row[6]).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

    assertThat(gantry("caches", "--local", "--data-dir", data, "--repo", "acme/other")).isZero();
    assertThat(out.toString()).isEqualTo("acme/other has no cache entries\n");

    // The next run restores it; after the delete, the one after misses again.
    assertThat(gantry(run)).as(out + "\n" + err).isZero();
    assertThat(out.toString()).contains("hit=[true]");
    assertThat(
            gantry(
                "caches",
                "delete",
                "--local",
                "--data-dir",
                data,
                "--repo",
                "acme/web",
                "--key",
                "deps-Linux-1"))
        .as(err.toString())
        .isZero();
    assertThat(out.toString()).startsWith("deleted cache entry 1 (deps-Linux-1, refs/heads/");
    assertThat(gantry("caches", "--local", "--data-dir", data)).isZero();
    assertThat(out.toString()).isEqualTo("no cache entries\n");
    assertThat(gantry(run)).as(out + "\n" + err).isZero();
    assertThat(out.toString()).contains("hit=[]");

    // Bad input: one line each.
    assertThat(gantry("caches", "delete", "--local", "--data-dir", data)).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "gantry caches delete: name the entry: an ID (see 'gantry caches') or --repo R --key"
                + " K\n");
    assertThat(gantry("caches", "delete", "--local", "--data-dir", data, "99")).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("gantry caches delete: no cache entry 99\n");
    assertThat(
            gantry(
                "caches",
                "delete",
                "--local",
                "--data-dir",
                data,
                "--repo",
                "acme/web",
                "--key",
                "nope"))
        .isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo("gantry caches delete: no cache entry of acme/web has the key 'nope'\n");
    assertThat(gantry("caches", "--local", "--server", "http://127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo("gantry caches: --local and --server exclude each other; give one\n");
  }

  @Test
  void theServersEntriesAreListedAndDeletedThroughItsApi() throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "on: workflow_dispatch\njobs:\n  build:\n" + STEPS);
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "ci");
    git(work, "push", "-q", bare.toString(), "main");
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 1\nrepositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: "
            + bare.toUri()
            + "\n    webhook-secret: s3cret-hook\nactions:\n  sources:\n    - "
            + ActionRepos.serve(dir.resolve("source"))
            + "\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
    String base = "http://127.0.0.1:" + server.port();

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> queued =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"ci.yml\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(201);
    long id = ((Number) ((Map<?, ?>) Expressions.fromJson(queued.body())).get("id")).longValue();
    Map<?, ?> run = Map.of();
    for (int i = 0; i < 1200 && !"COMPLETED".equals(run.get("status")); i++) {
      Thread.sleep(100);
      run =
          (Map<?, ?>)
              Expressions.fromJson(
                  http.send(
                          HttpRequest.newBuilder(URI.create(base + "/api/runs/" + id))
                              .header("Authorization", "Bearer " + TOKEN)
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
    }
    assertThat(run.get("conclusion")).as(String.valueOf(run)).isEqualTo("success");

    Cli listed = process(base, TOKEN, "caches", "--repo", "acme/web");
    assertThat(listed.exit()).as(listed.output()).isZero();
    String[] lines = listed.output().split("\n");
    assertThat(lines).hasSize(2);
    String[] row = lines[1].split(" +");
    assertThat(row[1]).isEqualTo("acme/web");
    assertThat(row[2]).isEqualTo("deps-Linux-1");
    assertThat(row[4]).isEqualTo("refs/heads/main");
    String entry = row[0];

    Cli refused = process(base, null, "caches", "delete", entry);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.output())
        .isEqualTo(
            "gantry caches delete: this command changes things on the server: export"
                + " GANTRY_API_TOKEN with the server's api-token\n");

    Cli deleted = process(base, TOKEN, "caches", "delete", entry);
    assertThat(deleted.exit()).as(deleted.output()).isZero();
    assertThat(deleted.output()).isEqualTo("deleted cache entry " + entry + "\n");
    Cli empty = process(base, TOKEN, "caches");
    assertThat(empty.output()).isEqualTo("no cache entries\n");
    Cli gone = process(base, TOKEN, "caches", "delete", entry);
    assertThat(gone.exit()).isEqualTo(1);
    assertThat(gone.output()).isEqualTo("gantry caches delete: no cache entry " + entry + "\n");
  }

  private record Cli(int exit, String output) {}

  /** {@code gantry} as a separate process with {@code GANTRY_SERVER} and the token. */
  private Cli process(String server, String token, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.gantry.cli.Gantry"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().remove("GANTRY_API_TOKEN");
    builder.environment().put("GANTRY_SERVER", server);
    if (token != null) {
      builder.environment().put("GANTRY_API_TOKEN", token);
    }
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end");
    }
    return new Cli(p.exitValue(), output);
  }

  private static void git(Path in, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("git " + String.join(" ", args) + ": " + output)
        .isTrue();
  }
}
