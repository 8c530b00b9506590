package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.server.agent.AgentServices;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's side of agents' artifacts and caches, spoken as an agent speaks it while it holds a
 * job: an artifact chunk whose connection drops half-way is resumed from what the server says it
 * received (and a chunk sent twice is not duplicated), a download continues with Range, a cache
 * chunk cut short is sent again and the entry restores whole; sizes over the limits and gaps get
 * clear refusals; the agent's own client uploads and extracts a two-chunk artifact.
 */
class AgentTransfersTest {

  private static final String WORKFLOW =
      """
name: ci
on: push
jobs:
  held:
    runs-on: [self-hosted, transfers]
    steps:
      - run: echo held
""";

  @TempDir Path dir;
  private TestServer server;
  private String agentToken;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Starts the server, pushes, registers an agent and claims the job: returns its run id. */
  private long holdAJob() throws Exception {
    server = TestServer.start(dir.resolve("server"), WORKFLOW, "");
    TestServer.Answer pushed = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
    Map<?, ?> added =
        json(
            call(
                "POST",
                "/api/agents",
                TestServer.TOKEN,
                Expressions.toJson(Map.of("name", "mover", "labels", List.of("transfers")))));
    agentToken = String.valueOf(added.get("token"));
    Map<?, ?> claimed = Map.of();
    for (int i = 0; i < 6 && claimed.get("job") == null; i++) {
      claimed =
          json(
              call(
                  "POST",
                  "/api/agent/claim",
                  agentToken,
                  Expressions.toJson(
                      Map.of(
                          "labels",
                          List.of("transfers"),
                          "os",
                          "linux",
                          "arch",
                          "x64",
                          "version",
                          "test",
                          "waitSeconds",
                          25))));
    }
    Map<?, ?> job = (Map<?, ?>) claimed.get("job");
    assertThat(job).as(String.valueOf(claimed)).isNotNull();
    return ((Number) job.get("runId")).longValue();
  }

  @Test
  void anArtifactChunkCutOffIsResumedAndTheZipArrivesWhole() throws Exception {
    long run = holdAJob();
    String base = "/api/agent/runs/" + run;
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.write(out.resolve("data.bin"), random(3_000_000, 7));
    Files.writeString(out.resolve("note.txt"), "from the agent\n");
    Path zipFile = dir.resolve("a.zip");
    ArtifactStore.Zipped zipped =
        ArtifactStore.zip(
            new ArtifactStore.Selection(
                out, List.of(out.resolve("data.bin"), out.resolve("note.txt"))),
            6,
            zipFile,
            ArtifactStore.DEFAULT_MAX_BYTES);
    byte[] zip = Files.readAllBytes(zipFile);

    // Over the limit: refused with the figures, before a byte is sent.
    TestServer.Answer tooBig =
        call("POST", base + "/artifact-uploads", agentToken, announce("huge", 6L << 30, "a"));
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.body()).contains("over this server's limit of 5368709120 bytes");

    Map<?, ?> created =
        json(
            call(
                "POST",
                base + "/artifact-uploads",
                agentToken,
                announce("build", zip.length, zipped.sha256())));
    String upload = base + "/artifact-uploads/" + created.get("upload");

    // First chunk whole; the second's connection drops after 300,000 of its 1,000,000 bytes.
    assertThat(put(upload, 0, Arrays.copyOfRange(zip, 0, 1_000_000)).status()).isEqualTo(200);
    cutOff("PUT", upload + "?offset=1000000", agentToken, zip, 1_000_000, 1_000_000, 300_000);
    // TCP delivers the 300,000 bytes before the cut: the server keeps every one of them.
    long received = received(upload);
    for (int i = 0; i < 300 && received < 1_300_000L; i++) {
      Thread.sleep(100);
      received = received(upload);
    }
    assertThat(received).isEqualTo(1_300_000L);

    // A chunk past what arrived is refused; one from before it overwrites (no duplicate bytes).
    TestServer.Answer gap = put(upload, received + 10, new byte[10]);
    assertThat(gap.status()).isEqualTo(409);
    assertThat(gap.body()).contains("send from " + received);
    long resume = Math.max(0, received - 5_000);
    assertThat(put(upload, resume, Arrays.copyOfRange(zip, (int) resume, zip.length)).status())
        .isEqualTo(200);
    // The last chunk again, as after a lost answer: still the same bytes.
    assertThat(put(upload, 2_000_000, Arrays.copyOfRange(zip, 2_000_000, zip.length)).status())
        .isEqualTo(200);
    assertThat(received(upload)).isEqualTo(zip.length);

    TestServer.Answer finished = call("POST", upload + "/finish", agentToken, "{}");
    assertThat(finished.status()).as(finished.body()).isEqualTo(201);
    assertThat(json(finished).get("digest")).isEqualTo(zipped.sha256());

    // The server's API serves the same zip; the agent's route continues a download with Range.
    assertThat(bytes("/api/runs/" + run + "/artifacts/build/zip", TestServer.TOKEN, null).body())
        .isEqualTo(zip);
    long id = ((Number) json(finished).get("id")).longValue();
    HttpResponse<byte[]> tail =
        bytes(base + "/artifacts/" + id + "/zip", agentToken, "bytes=1000-");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.headers().firstValue("Content-Range"))
        .hasValue("bytes 1000-" + (zip.length - 1) + "/" + zip.length);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(zip, 1000, zip.length));

    // A second upload of the name without overwrite: refused by name.
    Map<?, ?> again =
        json(
            call(
                "POST",
                base + "/artifact-uploads",
                agentToken,
                announce("build", zip.length, zipped.sha256())));
    String second = base + "/artifact-uploads/" + again.get("upload");
    assertThat(put(second, 0, zip).status()).isEqualTo(200);
    TestServer.Answer refused = call("POST", second + "/finish", agentToken, "{}");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body()).contains("an artifact named 'build' already exists in this run");

    // Another agent's token, or none, reaches nothing.
    assertThat(call("GET", base + "/artifacts", "gantry-agent-forged", null).status())
        .isEqualTo(401);
  }

  @Test
  void theAgentsClientUploadsInChunksAndExtractsWhatItDownloads() throws Exception {
    long run = holdAJob();
    Path out = Files.createDirectories(dir.resolve("ws/out"));
    byte[] big = random(10_000_000, 11);
    Files.write(out.resolve("big.bin"), big);
    AgentServices services =
        new AgentServices("http://127.0.0.1:" + server.port(), agentToken, dir.resolve("moving"));
    var artifacts = services.artifacts(run);
    StringBuilder log = new StringBuilder();
    Artifact uploaded =
        artifacts.upload(
            new ArtifactStore.Upload(
                run, "held", "big", artifacts.select(dir.resolve("ws"), "out", false), 0, 0, false),
            line -> log.append(line).append('\n'));
    assertThat(uploaded.sizeBytes()).isGreaterThan(10_000_000L);
    assertThat(artifacts.list(run)).extracting(Artifact::name).containsExactly("big");
    Path into = dir.resolve("elsewhere");
    assertThat(artifacts.extract(artifacts.find(run, "big").orElseThrow(), into)).isEqualTo(1);
    assertThat(Files.readAllBytes(into.resolve("big.bin"))).isEqualTo(big);
    // Nothing left in the agent's transfer folder.
    try (var left = Files.list(dir.resolve("moving"))) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void aCacheChunkCutShortIsSentAgainAndTheEntryRestoresWhole() throws Exception {
    long run = holdAJob();
    Map<?, ?> issued = json(call("POST", "/api/agent/runs/" + run + "/cache", agentToken, "{}"));
    String token = String.valueOf(issued.get("token"));
    String caches = "/_apis/artifactcache/caches";
    byte[] archive = random(2_000_000, 3);
    Map<?, ?> reserved =
        json(
            call(
                "POST",
                caches,
                token,
                Expressions.toJson(
                    Map.of("key", "deps-1", "version", "v1", "cacheSize", archive.length))));
    String upload = caches + "/" + ((Number) reserved.get("cacheId")).longValue();
    // The second chunk's connection drops half-way; the toolkit sends the chunk again.
    assertThat(patch(upload, token, archive, 0, 1_000_000).status()).isEqualTo(204);
    cutOff(
        "PATCH",
        upload,
        token,
        archive,
        1_000_000,
        1_000_000,
        400_000,
        "Content-Range: bytes 1000000-1999999/*");
    assertThat(patch(upload, token, archive, 1_000_000, 1_000_000).status()).isEqualTo(204);
    TestServer.Answer committed =
        call("POST", upload, token, Expressions.toJson(Map.of("size", archive.length)));
    assertThat(committed.status()).as(committed.body()).isEqualTo(204);

    // Looked up as the toolkit does: the download URL names the host and port it asked.
    HttpResponse<byte[]> lookup =
        bytes("/_apis/artifactcache/cache?keys=deps-1&version=v1", token, null);
    assertThat(lookup.statusCode()).isEqualTo(200);
    Map<?, ?> hit =
        (Map<?, ?>) Expressions.fromJson(new String(lookup.body(), StandardCharsets.UTF_8));
    String location = String.valueOf(hit.get("archiveLocation"));
    assertThat(location).startsWith("http://127.0.0.1:" + server.port() + "/_apis/");
    String path = location.substring(location.indexOf("/_apis/"));
    assertThat(bytes(path, null, null).body()).isEqualTo(archive);
    HttpResponse<byte[]> rest = bytes(path, null, "bytes=1500000-");
    assertThat(rest.statusCode()).isEqualTo(206);
    assertThat(rest.body()).isEqualTo(Arrays.copyOfRange(archive, 1_500_000, archive.length));
    // The server's API lists it.
    assertThat(call("GET", "/api/caches?repo=acme/web", TestServer.TOKEN, null).body())
        .contains("\"key\":\"deps-1\"");

    // Revoked at the job's end: the token no longer works.
    call(
        "POST",
        "/api/agent/runs/" + run + "/cache/revoke",
        agentToken,
        Expressions.toJson(Map.of("token", token)));
    assertThat(
            call("GET", "/_apis/artifactcache/cache?keys=deps-1&version=v1", token, null).status())
        .isEqualTo(401);
  }

  private static String announce(String name, long size, String sha256) {
    String digest = sha256.length() == 64 ? sha256 : "a".repeat(64);
    return Expressions.toJson(
        Map.of("name", name, "job", "held", "size", size, "sha256", digest, "files", 2));
  }

  private long received(String upload) throws Exception {
    return ((Number) json(call("GET", upload, agentToken, null)).get("received")).longValue();
  }

  private TestServer.Answer put(String upload, long offset, byte[] chunk) throws Exception {
    return server.send(
        "PUT",
        upload + "?offset=" + offset,
        Map.of("Authorization", "Bearer " + agentToken),
        chunk);
  }

  private TestServer.Answer patch(String upload, String token, byte[] all, int from, int length)
      throws Exception {
    return server.send(
        "PATCH",
        upload,
        Map.of(
            "Authorization",
            "Bearer " + token,
            "Content-Range",
            "bytes " + from + "-" + (from + length - 1) + "/*"),
        Arrays.copyOfRange(all, from, from + length));
  }

  /**
   * Announces {@code length} bytes from {@code from} but sends only {@code sent} of them, then
   * closes the connection.
   */
  private void cutOff(
      String method,
      String path,
      String token,
      byte[] all,
      int from,
      int length,
      int sent,
      String... headers)
      throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream out = socket.getOutputStream();
      StringBuilder head =
          new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n")
              .append("Authorization: Bearer ")
              .append(token)
              .append("\r\n");
      for (String h : headers) {
        head.append(h).append("\r\n");
      }
      head.append("Content-Length: ").append(length).append("\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(all, from, sent);
      out.flush();
    }
    // The server keeps what arrived; the next call on the upload waits until it saw the cut.
  }

  private TestServer.Answer call(String method, String path, String token, String body)
      throws Exception {
    Map<String, String> headers =
        token == null
            ? Map.of()
            : Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
    return server.send(
        method, path, headers, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<byte[]> bytes(String path, String token, String range) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (range != null) {
      request.header("Range", range);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Map<?, ?> json(TestServer.Answer answer) throws Exception {
    assertThat(answer.status()).as(answer.body()).isBetween(200, 299);
    return (Map<?, ?>) Expressions.fromJson(answer.body());
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
