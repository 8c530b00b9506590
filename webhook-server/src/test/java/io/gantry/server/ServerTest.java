package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.expression.Expressions;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server end to end: a real bare repository whose post-receive hook runs {@code gantry hook
 * post-receive}, real pushes from a working clone, the HTTP API on 127.0.0.1, and a local recording
 * server standing in for the forge's status API.
 */
class ServerTest {

  static final String SECRET = "hook-secret-value-123";
  static final String TOKEN = "api-token-456";
  static final String STATUS_TOKEN = "status-token-789";

  @TempDir Path dir;
  private Path bare;
  private Path work;
  private GantryServer server;
  private HttpServer forge;
  private final List<String> statusRequests = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    forge =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          statusRequests.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization")
                  + " "
                  + body);
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();

    bare = dir.resolve("origin.git");
    work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    git(work, "remote", "add", "origin", bare.toString());

    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: ${TOKEN}\n  workers: 2\n"
            + "  public-url: http://gantry.example.test\n"
            + "repositories:\n  - name: acme/web\n    forge: git\n    clone-url: file://"
            + bare
            + "\n"
            + "    webhook-secret: ${SECRET}\n"
            + "    status: { api-url: http://127.0.0.1:"
            + forge.getAddress().getPort()
            + ", token: ${STATUS}, forge: github }\n"
            + "    secrets: { DEPLOY_KEY: very-secret-deploy-key }\n");
    ServerConfig loaded =
        new ConfigLoader(Map.of("TOKEN", TOKEN, "SECRET", SECRET, "STATUS", STATUS_TOKEN)::get)
            .load(config);
    // The status poster for a 'git' forge repository speaks GitHub's status API.
    server = GantryServer.start(loaded, Duration.ofSeconds(30), StatusPosting.forges());

    Path hook = bare.resolve("hooks/post-receive");
    Files.writeString(
        hook,
        "#!/bin/sh\nexec '"
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' -cp '"
            + System.getProperty("java.class.path")
            + "' io.gantry.server.ServerMain hook post-receive --server http://127.0.0.1:"
            + server.port()
            + " --repo acme/web\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    forge.stop(0);
  }

  @Test
  void aPushRunsTheWorkflowOfThatExactCommitAndReportsPendingThenSuccess() throws Exception {
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "name: ci\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: x\n    steps:\n"
            + "      - uses: actions/checkout@v4\n"
            + "      - run: |\n          test \"$(git rev-parse HEAD)\" = \"$GITHUB_SHA\"\n"
            + "          cat version.txt\n          echo \"key ${{ secrets.DEPLOY_KEY }}\"\n");
    Files.writeString(work.resolve("version.txt"), "version one\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "first");
    String sha = git(work, "rev-parse", "HEAD").strip();
    ProcessResult push =
        run(work, Map.of("GANTRY_HOOK_SECRET", SECRET), "git", "push", "-q", "origin", "main");
    assertThat(push.exit).as(push.output).isZero();

    Map<?, ?> run = awaitCompleted(latestRunId());
    assertThat(run.get("conclusion")).as(String.valueOf(run)).isEqualTo("success");
    assertThat(run.get("sha")).isEqualTo(sha);
    String logs = get("/api/runs/" + id(run) + "/logs");
    assertThat(logs)
        .contains("version one")
        .contains("key ***")
        .doesNotContain("very-secret-deploy-key");

    // pending (queued), perhaps pending (running) unless superseded first, then success.
    awaitStatus("success");
    assertThat(statusRequests.get(0))
        .startsWith("POST /repos/acme/web/statuses/" + sha + " Bearer " + STATUS_TOKEN)
        .contains("\"state\":\"pending\"")
        .contains("\"context\":\"gantry/ci\"");
    assertThat(statusRequests.get(statusRequests.size() - 1))
        .contains("\"state\":\"success\"")
        .contains("\"target_url\":\"http://gantry.example.test/runs/" + id(run) + "\"");
  }

  @Test
  void aTagPushThroughTheHookRunsWithRefTypeTagAndDeletingTheTagRunsNothing() throws Exception {
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/release.yml"),
        "name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  tag:\n    runs-on: x\n    steps:\n"
            + "      - run: echo \"type=$GITHUB_REF_TYPE name=$GITHUB_REF_NAME\"\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "release");
    git(work, "tag", "v2.0.0");
    Map<String, String> env = Map.of("GANTRY_HOOK_SECRET", SECRET);
    ProcessResult push = run(work, env, "git", "push", "-q", "origin", "main", "v2.0.0");
    assertThat(push.exit).as(push.output).isZero();

    Map<?, ?> run = awaitCompleted(latestRunId());
    assertThat(run.get("ref")).isEqualTo("refs/tags/v2.0.0");
    assertThat(run.get("conclusion")).as(String.valueOf(run)).isEqualTo("success");
    assertThat(get("/api/runs/" + id(run) + "/logs")).contains("type=tag name=v2.0.0");

    ProcessResult delete = run(work, env, "git", "push", "-q", "origin", ":refs/tags/v2.0.0");
    assertThat(delete.exit).as(delete.output).isZero();
    List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(get("/api/runs"))).get("runs");
    assertThat(runs).hasSize(1);
  }

  @Test
  void twoPushesToOneConcurrencyGroupRunOneAfterTheOtherInOrder() throws Exception {
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/deploy.yml"),
        "name: deploy\non: push\nconcurrency:\n  group: deploy-${{ github.ref }}\n  cancel-in-progress: false\n"
            + "jobs:\n  d:\n    runs-on: x\n    steps:\n      - run: sleep 1\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "one");
    String first = git(work, "rev-parse", "HEAD").strip();
    git(work, "commit", "-q", "--allow-empty", "-m", "two");
    String second = git(work, "rev-parse", "HEAD").strip();
    git(work, "push", "-q", bare.toString(), "main"); // no hook secret: the hook's delivery fails
    long a = deliver("0".repeat(40), first);
    long b = deliver(first, second);

    Map<?, ?> waiting = (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + b));
    if ("QUEUED".equals(waiting.get("status"))) {
      assertThat(String.valueOf(waiting.get("waiting")))
          .contains("concurrency group 'deploy-refs/heads/main'");
    }
    Map<?, ?> runA = awaitCompleted(a);
    Map<?, ?> runB = awaitCompleted(b);
    assertThat(runA.get("conclusion")).isEqualTo("success");
    assertThat(runB.get("conclusion")).isEqualTo("success");
    assertThat(java.time.Instant.parse((String) runB.get("startedAt")))
        .isAfterOrEqualTo(java.time.Instant.parse((String) runA.get("finishedAt")));
  }

  @Test
  void aRedeliveryOfTheSameIdStartsNothingNew() throws Exception {
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "one");
    String sha = git(work, "rev-parse", "HEAD").strip();
    git(work, "push", "-q", bare.toString(), "main");
    io.gantry.server.forge.GitHookPayload payload =
        io.gantry.server.forge.GitHookPayload.of(
            "acme/web",
            new io.gantry.server.forge.PostReceive.RefUpdate(
                "0".repeat(40), sha, "refs/heads/main"),
            "dev");
    HttpResponse<String> firstTime = postSigned(payload);
    HttpResponse<String> again = postSigned(payload);
    assertThat(firstTime.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).contains("\"duplicate\":true");
    List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(get("/api/runs"))).get("runs");
    assertThat(runs).hasSize(1);
  }

  @Test
  void pathFiltersSeeTheWholeDiffBetweenBeforeAndAfter() throws Exception {
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/src.yml"),
        "on:\n  push:\n    paths: ['src/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    Files.createDirectories(work.resolve("src"));
    Files.writeString(work.resolve("src/app.txt"), "1");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "one");
    String first = git(work, "rev-parse", "HEAD").strip();
    // Two commits in one push: the first touches src/, the last only docs. The diff
    // first..last includes src/, whatever the last commit alone changed.
    Files.writeString(work.resolve("src/app.txt"), "2");
    git(work, "commit", "-q", "-am", "src");
    Files.writeString(work.resolve("README"), "docs");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "docs");
    String third = git(work, "rev-parse", "HEAD").strip();
    Files.writeString(work.resolve("README"), "more docs");
    git(work, "commit", "-q", "-am", "docs only");
    String fourth = git(work, "rev-parse", "HEAD").strip();
    git(work, "push", "-q", bare.toString(), "main");

    deliver(first, third);
    HttpResponse<String> docsOnly =
        postSigned(
            io.gantry.server.forge.GitHookPayload.of(
                "acme/web",
                new io.gantry.server.forge.PostReceive.RefUpdate(third, fourth, "refs/heads/main"),
                "dev"));
    assertThat(docsOnly.statusCode()).isEqualTo(202);
    assertThat(docsOnly.body())
        .contains("\"runs\":[]")
        .contains(".github/workflows/src.yml: on.push filters do not match refs/heads/main");
  }

  private HttpResponse<String> postSigned(io.gantry.server.forge.GitHookPayload payload)
      throws Exception {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base() + "/hooks/git"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(payload.body()));
    payload.headers(SECRET).forEach(builder::header);
    return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private long deliver(String before, String after) throws Exception {
    HttpResponse<String> response =
        postSigned(
            io.gantry.server.forge.GitHookPayload.of(
                "acme/web",
                new io.gantry.server.forge.PostReceive.RefUpdate(before, after, "refs/heads/main"),
                "dev"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(response.body())).get("runs");
    assertThat(runs).as(response.body()).hasSize(1);
    return ((Number) runs.get(0)).longValue();
  }

  @Test
  void forgedUnsignedAndMalformedDeliveriesAreRejectedAndStoreNothing() throws Exception {
    String body =
        "{\"repository\":\"acme/web\",\"ref\":\"refs/heads/main\",\"before\":\""
            + "0".repeat(40)
            + "\",\"after\":\""
            + "1".repeat(40)
            + "\"}";
    assertThat(postHook("/hooks/git", body, Map.of("X-Gantry-Event", "push")).statusCode())
        .isEqualTo(401);
    assertThat(
            postHook(
                    "/hooks/git",
                    body,
                    Map.of(
                        "X-Gantry-Event",
                        "push",
                        "X-Gantry-Signature-256",
                        "sha256=" + "ab".repeat(32)))
                .statusCode())
        .isEqualTo(401);
    assertThat(postHook("/hooks/nosuchforge", body, Map.of()).statusCode()).isEqualTo(404);
    byte[] huge = new byte[26 * 1024 * 1024];
    HttpResponse<String> tooLarge =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/hooks/git"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(huge))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    Map<?, ?> runs = (Map<?, ?>) Expressions.fromJson(get("/api/runs"));
    assertThat((List<?>) runs.get("runs")).isEmpty();
  }

  @Test
  void mutatingCallsNeedTheTokenAndErrorsAreJson() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/runs/1/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("\"error\":\"unauthorized\"").doesNotContain("Exception");
    HttpResponse<String> missing =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/runs/999"))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("\"error\":\"not_found\"").contains("no run 999");
  }

  // ---- helpers ----

  private String base() {
    return "http://127.0.0.1:" + server.port();
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> postHook(String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(builder::header);
    return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private long latestRunId() throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(get("/api/runs"))).get("runs");
      if (!runs.isEmpty()) {
        return id((Map<?, ?>) runs.get(0));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no run was created");
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run = (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
      if ("COMPLETED".equals(run.get("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + id + " did not complete: " + get("/api/runs/" + id));
  }

  private void awaitStatus(String state) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (statusRequests.stream().noneMatch(r -> r.contains("\"state\":\"" + state + "\""))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(statusRequests).anyMatch(r -> r.contains("\"state\":\"" + state + "\""));
  }

  private static long id(Map<?, ?> run) {
    return ((Number) run.get("id")).longValue();
  }

  record ProcessResult(int exit, String output) {}

  private static ProcessResult run(Path in, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(60, TimeUnit.SECONDS);
    return new ProcessResult(process.exitValue(), output);
  }

  private static String git(Path in, String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 1];
    command[0] = "git";
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessResult result = run(in, Map.of(), command);
    if (result.exit != 0) {
      throw new AssertionError("git " + String.join(" ", args) + " failed: " + result.output);
    }
    return result.output;
  }
}
