package io.gantry.server;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.GitRepos;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The scene of the pull request tests: a base repository {@code acme/web} (a real bare repository,
 * configured three times, as {@code acme/web} on GitHub, {@code acme/gitea-web} on Gitea and {@code
 * acme/gitlab-web} on GitLab), a fork {@code dev/web} (a bare clone), a live server on 127.0.0.1
 * with a secret {@code DEPLOY_KEY}, and a local recording server for the forge's status API. The
 * deliveries are the templates of {@code src/test/resources/pull-requests}, filled in and signed as
 * each forge signs.
 */
final class PullRequestScene implements AutoCloseable {

  static final String API_TOKEN = "t0ken-123";

  static final String SECRET = "pr-hook-secret";

  final Path dir;
  final Path base;
  final Path work;
  final Path fork;
  final Path forkWork;
  final List<String> statuses = new CopyOnWriteArrayList<>();
  private final HttpServer forge;
  private GantryServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  PullRequestScene(Path dir) throws IOException {
    this.dir = dir;
    base = dir.resolve("web.git");
    work = dir.resolve("work");
    fork = dir.resolve("fork.git");
    forkWork = dir.resolve("fork-work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", base.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    forge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          statuses.add(
              exchange.getRequestURI().getPath()
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();
  }

  /** Commits the files on main of the base (a null content deletes) and pushes; the commit id. */
  String commitBase(String message, Map<String, String> files) throws IOException {
    return commit(work, message, files, "main", base);
  }

  /** Makes the fork (a bare clone of the base as it is now) with a checkout on {@code branch}. */
  void makeFork(String branch) throws IOException {
    GitRepos.git(dir, "clone", "-q", "--bare", base.toString(), fork.toString());
    GitRepos.git(dir, "clone", "-q", fork.toString(), forkWork.toString());
    GitRepos.git(forkWork, "checkout", "-q", "-b", branch);
  }

  /** Commits the files on the fork's branch and pushes it; the commit id. */
  String commitFork(String branch, String message, Map<String, String> files) throws IOException {
    return commit(forkWork, message, files, branch, fork);
  }

  /** Commits on a branch of the base itself (a pull request from the same repository). */
  String commitBaseBranch(String branch, String message, Map<String, String> files)
      throws IOException {
    try {
      GitRepos.git(work, "checkout", "-q", branch);
    } catch (IOException e) {
      GitRepos.git(work, "checkout", "-q", "-b", branch);
    }
    String sha = commit(work, message, files, branch, base);
    GitRepos.git(work, "checkout", "-q", "main");
    return sha;
  }

  private static String commit(
      Path work, String message, Map<String, String> files, String branch, Path remote)
      throws IOException {
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = work.resolve(file.getKey());
      if (file.getValue() == null) {
        Files.delete(path);
      } else {
        Files.createDirectories(path.getParent());
        Files.writeString(path, file.getValue());
      }
    }
    GitRepos.git(work, "add", "-A");
    GitRepos.git(work, "commit", "-q", "-m", message);
    GitRepos.git(work, "push", "-q", remote.toString(), "HEAD:refs/heads/" + branch);
    return GitRepos.git(work, "rev-parse", "HEAD").strip();
  }

  void start() throws Exception {
    StringBuilder repos = new StringBuilder();
    for (String[] r :
        List.of(
            new String[] {"acme/web", "github"},
            new String[] {"acme/gitea-web", "gitea"},
            new String[] {"acme/gitlab-web", "gitlab"})) {
      repos
          .append("  - name: ")
          .append(r[0])
          .append("\n    forge: ")
          .append(r[1])
          .append("\n    clone-url: file://")
          .append(base)
          .append("\n    webhook-secret: ")
          .append(SECRET)
          .append("\n    secrets: { DEPLOY_KEY: dk-0123456789 }\n");
      if (r[1].equals("github")) {
        repos
            .append("    status: { api-url: http://127.0.0.1:")
            .append(forge.getAddress().getPort())
            .append(", token: st-789 }\n");
      }
    }
    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + API_TOKEN
            + "\n  workers: 3\nrepositories:\n"
            + repos);
    ServerConfig config = new ConfigLoader(Map.<String, String>of()::get).load(file);
    server = GantryServer.start(config, Duration.ofSeconds(30), StatusPosting.forges());
  }

  /** What a delivery says about the pull request; null values leave the defaults. */
  static final class Pr {
    String action = "opened";
    long number = 7;
    String repository = "acme/web";
    String baseRef = "main";
    String baseSha = "0".repeat(40);
    String headRef = "feature";
    String headSha;

    /** The head's repository, null when deleted; its clone URL. */
    String headRepository = "dev/web";

    String headCloneUrl;
    boolean merged;
    String mergeCommit;

    /** For synchronize: the head's previous commit. */
    String before;

    Pr(String headSha, String headCloneUrl) {
      this.headSha = headSha;
      this.headCloneUrl = headCloneUrl;
    }
  }

  /** The template of {@code forge} filled in for {@code pr}. */
  String payload(String forgeName, Pr pr) throws IOException {
    String name =
        switch (forgeName) {
          case "github" -> "github-pull_request.json";
          case "gitea" -> "gitea-pull_request.json";
          default -> "gitlab-merge_request.json";
        };
    String text;
    try (InputStream in = getClass().getResourceAsStream("/pull-requests/" + name)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String headRepo;
    if (pr.headRepository == null) {
      headRepo = "null";
    } else if (forgeName.equals("gitlab")) {
      headRepo =
          "{\"name\":\"web\",\"git_http_url\":\""
              + pr.headCloneUrl
              + "\",\"path_with_namespace\":\""
              + pr.headRepository
              + "\",\"default_branch\":\"main\"}";
    } else {
      headRepo =
          "{\"id\":186853003,\"name\":\"web\",\"full_name\":\""
              + pr.headRepository
              + "\",\"private\":false,\"owner\":{\"login\":\""
              + pr.headRepository.substring(0, pr.headRepository.indexOf('/'))
              + "\"},\"fork\":"
              + !pr.headRepository.equals(pr.repository)
              + ",\"clone_url\":\""
              + pr.headCloneUrl
              + "\",\"default_branch\":\"main\"}";
    }
    Map<String, String> values = new LinkedHashMap<>();
    values.put("@HEAD_REPO_OBJECT@", headRepo);
    values.put(
        "@PUSHED@",
        pr.before == null
            ? ""
            : "\"before\": \"" + pr.before + "\",\n  \"after\": \"" + pr.headSha + "\",");
    values.put("@OLDREV@", pr.before == null ? "" : "\"oldrev\": \"" + pr.before + "\",");
    values.put("@ACTION@", pr.action);
    values.put("@NUMBER@", Long.toString(pr.number));
    values.put("@BASE_REPO@", pr.repository);
    values.put("@BASE_REF@", pr.baseRef);
    values.put("@BASE_SHA@", pr.baseSha);
    values.put("@BASE_CLONE_URL@", "file://" + base);
    values.put("@HEAD_REF@", pr.headRef);
    values.put("@HEAD_SHA@", pr.headSha);
    values.put("@MERGED@", Boolean.toString(pr.merged));
    values.put("@MERGE_COMMIT@", pr.mergeCommit == null ? "null" : "\"" + pr.mergeCommit + "\"");
    String state =
        pr.action.equals("closed") || pr.action.equals("close") || pr.action.equals("merge")
            ? (forgeName.equals("gitlab") ? (pr.merged ? "merged" : "closed") : "closed")
            : (forgeName.equals("gitlab") ? "opened" : "open");
    values.put("@STATE@", state);
    for (Map.Entry<String, String> v : values.entrySet()) {
      text = text.replace(v.getKey(), v.getValue());
    }
    return text;
  }

  /** Signs and posts a delivery as {@code forgeName} does, with its event header. */
  HttpResponse<String> deliver(String forgeName, String event, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/hooks/" + forgeName))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    String id = UUID.randomUUID().toString();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String hmac = HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    switch (forgeName) {
      case "github" ->
          request
              .header("X-GitHub-Event", event)
              .header("X-GitHub-Delivery", id)
              .header("X-Hub-Signature-256", "sha256=" + hmac);
      case "gitea" ->
          request
              .header("X-Gitea-Event", event)
              .header("X-Gitea-Delivery", id)
              .header("X-Gitea-Signature", hmac);
      default ->
          request
              .header("X-Gitlab-Event", event)
              .header("X-Gitlab-Event-UUID", id)
              .header("X-Gitlab-Token", SECRET);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The run ids of a 202 answer. */
  static List<Long> runs(HttpResponse<String> answer) throws Exception {
    List<?> runs = (List<?>) ((Map<?, ?>) Expressions.fromJson(answer.body())).get("runs");
    return runs.stream().map(r -> ((Number) r).longValue()).toList();
  }

  Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run = (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
      if ("COMPLETED".equals(run.get("status"))) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("run " + id + " did not complete: " + get("/api/runs/" + id));
  }

  Map<?, ?> run(long id) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
  }

  String log(long id) throws Exception {
    return get("/api/runs/" + id + "/logs");
  }

  String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + API_TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Waits until a status with this context and state was posted; the posts on the commit. */
  List<String> awaitStatus(String sha, String context, String state) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    String prefix = "/repos/acme/web/statuses/" + sha + " ";
    while (System.currentTimeMillis() < deadline) {
      List<String> on = statuses.stream().filter(s -> s.startsWith(prefix)).toList();
      if (on.stream()
          .anyMatch(
              s ->
                  s.contains("\"context\":\"" + context + "\"")
                      && s.contains("\"state\":\"" + state + "\""))) {
        return on;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + state + " status " + context + " on " + sha + ": " + statuses);
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    forge.stop(0);
  }
}
