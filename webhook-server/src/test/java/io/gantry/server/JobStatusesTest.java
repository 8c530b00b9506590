package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.git.GitRepos;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status: { per-job: true }}: each job's status is posted on the commit under GitHub's check
 * name {@code workflow / job (event)}, next to the run's own; a local recording server stands in
 * for the forge's status API.
 */
class JobStatusesTest {

  @TempDir Path dir;
  private GantryServer server;
  private HttpServer forge;
  private final List<String> posted = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (forge != null) {
      forge.stop(0);
    }
  }

  @Test
  void eachJobGetsAStatusNamedWorkflowSlashJobAndEvent() throws Exception {
    forge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          posted.add(
              exchange.getRequestURI().getPath()
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "config", "user.email", "dev@example.com");
    GitRepos.git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "name: ci\non: repository_dispatch\njobs:\n  build:\n    runs-on: x\n    steps:\n"
            + "      - run: echo built\n  lint:\n    runs-on: x\n    steps:\n      - run: exit 3\n");
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", "ci");
    String sha = GitRepos.git(work, "rev-parse", "HEAD").strip();
    GitRepos.git(work, "push", "-q", bare.toString(), "main");
    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: t0ken-123\n"
            + "repositories:\n  - name: acme/web\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: s3cret-456\n    status: { api-url: http://127.0.0.1:"
            + forge.getAddress().getPort()
            + ", token: st-789, forge: github, per-job: true }\n");
    ServerConfig config = new ConfigLoader(Map.<String, String>of()::get).load(file);
    server = GantryServer.start(config, Duration.ofSeconds(30), StatusPosting.forges());

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + server.port() + "/api/repos/acme/web/dispatches"))
                    .header("Authorization", "Bearer t0ken-123")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"event_type\":\"go\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);

    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline
        && !(has("ci / build", "success")
            && has("ci / lint", "failure")
            && has("gantry/ci", "failure"))) {
      Thread.sleep(100);
    }
    String prefix = "/repos/acme/web/statuses/" + sha + " ";
    assertThat(posted)
        .anyMatch(
            p ->
                p.startsWith(prefix)
                    && p.contains("\"context\":\"ci / build (repository_dispatch)\"")
                    && p.contains("\"state\":\"success\""))
        .anyMatch(
            p ->
                p.startsWith(prefix)
                    && p.contains("\"context\":\"ci / lint (repository_dispatch)\"")
                    && p.contains("\"state\":\"failure\""))
        .anyMatch(
            p ->
                p.startsWith(prefix)
                    && p.contains("\"context\":\"gantry/ci\"")
                    && p.contains("\"state\":\"failure\""));
  }

  private boolean has(String context, String state) {
    return posted.stream()
        .anyMatch(
            p ->
                p.contains("\"context\":\"" + context)
                    && p.contains("\"state\":\"" + state + "\""));
  }
}
