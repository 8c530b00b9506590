package io.gantry.server;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.public-url}'s default follows the port the server listens on. */
class PublicUrlTest {

  private static final String TOKEN = "public-url-token";

  @TempDir Path dir;

  private ServerConfig config(String serverLines) throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/manual.yml"),
        "name: manual\non: workflow_dispatch\njobs:\n  hello:\n    runs-on: x\n    steps:\n"
            + "      - run: echo hello\n");
    git(work, "add", ".");
    git(
        work,
        "-c",
        "user.email=dev@example.com",
        "-c",
        "user.name=Dev",
        "commit",
        "-q",
        "-m",
        "one");
    git(work, "push", "-q", bare.toString(), "main");
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n"
            + serverLines
            + "  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\nrepositories:\n  - name: acme/web\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: s\n");
    return new ConfigLoader(Map.<String, String>of()::get).load(config);
  }

  /** Dispatches a run (the first: id 1) and returns the URL the API answers with for it. */
  private static String dispatchedRunUrl(GantryServer server) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"manual.yml\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    Map<?, ?> answer = (Map<?, ?>) Expressions.fromJson(response.body());
    return (String) answer.get("url");
  }

  @Test
  void withPortZeroAndNoPublicUrlTheLinksNameThePortThatWasPicked() throws Exception {
    try (GantryServer server = GantryServer.start(config("  port: 0\n"))) {
      assertThat(server.port()).isPositive();
      assertThat(server.publicUrl()).isEqualTo("http://localhost:" + server.port());

      assertThat(dispatchedRunUrl(server))
          .isEqualTo("http://localhost:" + server.port() + "/api/runs/1");
    }
  }

  @Test
  void aConfiguredPublicUrlIsKeptWhateverThePort() throws Exception {
    try (GantryServer server =
        GantryServer.start(config("  port: 0\n  public-url: https://ci.example.test/\n"))) {
      assertThat(server.publicUrl()).isEqualTo("https://ci.example.test/");

      assertThat(dispatchedRunUrl(server)).isEqualTo("https://ci.example.test/api/runs/1");
    }
  }
}
