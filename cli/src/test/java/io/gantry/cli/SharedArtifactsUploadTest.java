package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code gantry serve} processes on one PostgreSQL whose {@code artifacts/} folders are one
 * shared folder (as on shared storage): the chunks of one artifact upload from an agent land on
 * different servers (as behind a balancer that spreads requests) and the artifact is whole, served
 * by either; an upload no server knows of is refused in one line.
 */
class SharedArtifactsUploadTest {

  @TempDir Path dir;
  private ScaleOutCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void chunksOfOneUploadReachingDifferentServersMakeOneWholeArtifact() throws Exception {
    cluster =
        new ScaleOutCluster(
            dir,
            "name: hold\non: workflow_dispatch\njobs:\n  work:\n    runs-on: [self-hosted]\n"
                + "    steps:\n      - run: echo holding-the-job; sleep 100\n");
    Path shared = Files.createDirectories(dir.resolve("shared-artifacts"));
    for (String name : new String[] {"server1-data", "server2-data"}) {
      Files.createDirectories(dir.resolve(name));
      Files.createSymbolicLink(dir.resolve(name).resolve("artifacts"), shared);
    }
    ScaleOutCluster.Server one = cluster.server(10);
    ScaleOutCluster.Server two = cluster.server(10);
    String token = cluster.addAgent(one, "holder");
    long run =
        ((Number)
                ((Map<?, ?>)
                        Expressions.fromJson(
                            cluster.send(
                                one,
                                "POST",
                                "/api/runs",
                                "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"ci.yml\"}")))
                    .get("id"))
            .longValue();
    cluster.agent("holder", token, one.base(), 1, "H");
    // The agent holds a job of the run: its token may upload to the run.
    ScaleOutCluster.until(
        Duration.ofMinutes(2),
        "the agent holds the job",
        () ->
            agentCall(one, token, "GET", "/api/agent/runs/" + run + "/artifacts", null).statusCode()
                == 200);

    byte[] zip = zip();
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip));
    String base = "/api/agent/runs/" + run + "/artifact-uploads";
    HttpResponse<String> announced =
        agentCall(
            one,
            token,
            "POST",
            base,
            ("{\"name\":\"split\",\"job\":\"work\",\"size\":"
                    + zip.length
                    + ",\"sha256\":\""
                    + sha256
                    + "\",\"files\":1,\"retentionDays\":1,\"overwrite\":false}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(announced.statusCode()).as(announced.body()).isEqualTo(201);
    String upload =
        String.valueOf(((Map<?, ?>) Expressions.fromJson(announced.body())).get("upload"));

    int half = zip.length / 2;
    HttpResponse<String> first =
        agentCall(two, token, "PUT", base + "/" + upload + "?offset=0", Arrays.copyOf(zip, half));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    HttpResponse<String> second =
        agentCall(
            one,
            token,
            "PUT",
            base + "/" + upload + "?offset=" + half,
            Arrays.copyOfRange(zip, half, zip.length));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    HttpResponse<String> status = agentCall(two, token, "GET", base + "/" + upload, null);
    assertThat(
            ((Number) ((Map<?, ?>) Expressions.fromJson(status.body())).get("received"))
                .longValue())
        .isEqualTo(zip.length);
    HttpResponse<String> finished =
        agentCall(two, token, "POST", base + "/" + upload + "/finish", new byte[0]);
    assertThat(finished.statusCode()).as(finished.body()).isEqualTo(201);

    // Whole, and served by either server.
    for (ScaleOutCluster.Server server : new ScaleOutCluster.Server[] {one, two}) {
      HttpResponse<byte[]> got =
          cluster.http.send(
              HttpRequest.newBuilder(
                      URI.create(server.base() + "/api/runs/" + run + "/artifacts/split/zip"))
                  .header("Authorization", "Bearer " + ScaleOutCluster.TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(got.statusCode()).isEqualTo(200);
      assertThat(got.body()).isEqualTo(zip);
    }
    // Finished on one server: the other no longer takes chunks of it.
    HttpResponse<String> late =
        agentCall(one, token, "PUT", base + "/" + upload + "?offset=0", new byte[] {1});
    assertThat(late.statusCode()).isEqualTo(404);

    // An upload no server was told of: one line saying what to do.
    HttpResponse<String> unknown =
        agentCall(two, token, "PUT", base + "/" + UUID.randomUUID() + "?offset=0", new byte[] {1});
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(String.valueOf(((Map<?, ?>) Expressions.fromJson(unknown.body())).get("message")))
        .contains("share the servers' artifacts/, or send an agent's requests to one server")
        .doesNotContain("\n");
    try (var left = Files.list(shared.resolve(".receiving"))) {
      assertThat(left.toList()).isEmpty();
    }
  }

  private static byte[] zip() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      out.putNextEntry(new ZipEntry("report.txt"));
      for (int i = 0; i < 2_000; i++) {
        out.write(("line " + i + " of the report\n").getBytes(StandardCharsets.UTF_8));
      }
      out.closeEntry();
    }
    return bytes.toByteArray();
  }

  private HttpResponse<String> agentCall(
      ScaleOutCluster.Server server, String token, String method, String path, byte[] body) {
    try {
      return cluster.http.send(
          HttpRequest.newBuilder(URI.create(server.base() + path))
              .header("Authorization", "Bearer " + token)
              .timeout(Duration.ofSeconds(60))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
