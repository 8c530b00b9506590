package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts through the server: a push runs a workflow whose first job uploads and whose second
 * downloads (separate workspaces), then the REST API lists the run's artifacts and serves the zip,
 * the same bytes the digest names; reads of the API are closed to anonymous callers unless
 * public-read is on.
 */
class ArtifactApiTest {

  private static final String WORKFLOW =
      """
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p dist && echo "built by the server" > dist/app.txt && echo x > dist/skip.tmp
      - id: up
        uses: actions/upload-artifact@v4
        with:
          name: dist files
          path: |
            dist
            !dist/*.tmp
      - run: echo "url=${{ steps.up.outputs.artifact-url }}"
  check:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with: { name: dist files, path: here }
      - run: test "$(cat here/app.txt)" = "built by the server" && test ! -e here/skip.tmp
""";

  @TempDir Path dir;
  private TestServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theRunsArtifactIsListedAndItsZipServed() throws Exception {
    server = TestServer.start(dir, WORKFLOW, "");
    long id = runOfPush();
    Map<?, ?> run = awaitCompleted(id);
    assertThat(run.get("conclusion")).as(String.valueOf(run)).isEqualTo("success");

    Map<?, ?> listed =
        json(server.send("GET", "/api/runs/" + id + "/artifacts", Map.of(), new byte[0]));
    List<?> artifacts = (List<?>) listed.get("artifacts");
    assertThat(artifacts).hasSize(1);
    Map<?, ?> artifact = (Map<?, ?>) artifacts.get(0);
    assertThat(artifact.get("name")).isEqualTo("dist files");
    assertThat(artifact.get("job")).isEqualTo("build");
    assertThat(((Number) artifact.get("files")).intValue()).isEqualTo(1);

    HttpResponse<byte[]> zip = zip(id, "dist%20files", TestServer.TOKEN);
    assertThat(zip.statusCode()).isEqualTo(200);
    assertThat(zip.headers().firstValue("Content-Type")).hasValue("application/zip");
    String digest =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip.body()));
    assertThat(artifact.get("digest")).isEqualTo("sha256:" + digest);
    assertThat(((Number) artifact.get("sizeBytes")).longValue()).isEqualTo(zip.body().length);
    Map<String, String> entries = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertThat(entries).containsExactly(Map.entry("app.txt", "built by the server\n"));
    String log = server.send("GET", "/api/runs/" + id + "/logs", Map.of(), new byte[0]).body();
    assertThat(log)
        .contains(
            "url=http://localhost:"
                + server.port()
                + "/api/runs/"
                + id
                + "/artifacts/dist%20files/zip");

    // Anonymous reads are refused; a wrong name is a 404, a bad one a 400.
    assertThat(zip(id, "dist%20files", null).statusCode()).isEqualTo(401);
    TestServer.Answer anonymous =
        server.send(
            "GET",
            "/api/runs/" + id + "/artifacts",
            Map.of("Authorization", "Bearer wrong"),
            new byte[0]);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(zip(id, "other", TestServer.TOKEN).statusCode()).isEqualTo(404);
    assertThat(zip(id, "a..b", TestServer.TOKEN).statusCode()).isEqualTo(400);
    assertThat(zip(99, "x", TestServer.TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void readsOfTheApiAreClosedUnlessPublicReadIsOn() throws Exception {
    server = TestServer.start(dir.resolve("closed"), null, "");
    for (String path : List.of("/api/runs", "/api/runs/1", "/api/runs/1/logs", "/api/schedules")) {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(path).isEqualTo(401);
      assertThat(answer.body()).as(path).contains("\"error\":\"unauthorized\"");
    }
    server.close();

    server = TestServer.start(dir.resolve("open"), WORKFLOW, "", "  public-read: true\n");
    HttpResponse<String> open =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(open.body()).contains("\"runs\":[]");

    // The run page lists the artifact with a link to its zip, which anyone may read here.
    long id = runOfPush();
    assertThat(awaitCompleted(id).get("conclusion")).isEqualTo("success");
    String page =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/runs/" + id))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(page)
        .contains("<section class=\"artifacts\" aria-label=\"artifacts\"><h2>Artifacts</h2>")
        .contains(
            "<a href=\"/api/runs/"
                + id
                + "/artifacts/dist%20files/zip\" download=\"dist files.zip\">"
                + "dist files</a>")
        .contains("1 file(s) · from build");
    assertThat(zip(id, "dist%20files", null).statusCode()).isEqualTo(200);
  }

  private HttpResponse<byte[]> zip(long id, String name, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:"
                    + server.port()
                    + "/api/runs/"
                    + id
                    + "/artifacts/"
                    + name
                    + "/zip"));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private long runOfPush() throws Exception {
    TestServer.Answer answer = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(answer.status()).as(answer.body()).isEqualTo(202);
    List<?> runs = (List<?>) json(answer).get("runs");
    return ((Number) runs.get(0)).longValue();
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      Map<?, ?> run = json(server.send("GET", "/api/runs/" + id, Map.of(), new byte[0]));
      if ("COMPLETED".equals(run.get("status")) || System.currentTimeMillis() > deadline) {
        return run;
      }
      Thread.sleep(100);
    }
  }

  private static Map<?, ?> json(TestServer.Answer answer) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(answer.body());
  }
}
