package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import io.gantry.server.forge.PostReceiveClient;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes made while the server is down are kept by the hook and built later; a copy of a delivery
 * still being processed is never answered "received before"; GitHub's form-encoded deliveries; JSON
 * 404s.
 */
class HookDeliveryTest {

  private static final String WORKFLOW =
      "name: ci\non: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo hi\n";

  @TempDir Path dir;
  private TestServer server;
  private HttpServer slowGit;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (slowGit != null) {
      slowGit.stop(0);
    }
  }

  @Test
  void aPushWhileTheServerIsDownIsKeptAndSentFirstOnTheNextPushOrByFlush() throws Exception {
    server = TestServer.start(dir.resolve("server"), WORKFLOW, "");
    Path spool = server.repos.origin.resolve("gantry-spool");
    String down = "http://127.0.0.1:" + freePort();
    String up = "http://127.0.0.1:" + server.port();
    String line = server.first + " " + server.second + " refs/heads/main\n";

    int exit = hook(down, spool, line);
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .contains("gantry: refs/heads/main: could not reach")
        .contains("kept in " + spool)
        .doesNotContain("accepted");
    assertThat(files(spool)).hasSize(1);

    String second = server.second + " " + server.first + " refs/heads/other\n";
    exit = hook(up, spool, second);
    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("gantry: refs/heads/main: (kept from an earlier push) accepted (202)")
        .contains("gantry: refs/heads/other: accepted (202)");
    assertThat(out.toString().indexOf("refs/heads/main"))
        .isLessThan(out.toString().indexOf("refs/heads/other"));
    assertThat(files(spool)).isEmpty();
    assertThat(runs())
        .contains("\"ref\":\"refs/heads/main\"")
        .contains("\"ref\":\"refs/heads/other\"");

    // Down again: kept; then 'gantry hook flush' sends it.
    hook(down, spool, server.first + " " + server.second + " refs/heads/third\n");
    assertThat(files(spool)).hasSize(1);
    exit =
        new PostReceiveClient()
            .flush(
                up,
                "acme/web",
                TestServer.SECRET,
                spool,
                new PrintWriter(out),
                new PrintWriter(err));
    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("refs/heads/third: (kept from an earlier push) accepted (202)");
    assertThat(files(spool)).isEmpty();
    assertThat(runs()).contains("\"ref\":\"refs/heads/third\"");
  }

  @Test
  void aCopyOfADeliveryStillBeingProcessedIsNotAnsweredAsReceivedBefore() throws Exception {
    // A git server that answers only after 3 s, with an error: the server's fetch is slow, then
    // fails.
    slowGit = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slowGit.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    slowGit.createContext(
        "/",
        exchange -> {
          try {
            Thread.sleep(3000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(500, -1);
          exchange.close();
        });
    slowGit.start();
    server =
        TestServer.start(
            dir.resolve("server"),
            WORKFLOW,
            "  - name: acme/slow\n    forge: git\n    clone-url: http://127.0.0.1:"
                + slowGit.getAddress().getPort()
                + "/slow.git\n    webhook-secret: "
                + TestServer.SECRET
                + "\n");
    GitHookPayload payload =
        GitHookPayload.of(
            "acme/slow",
            new PostReceive.RefUpdate(server.first, server.second, "refs/heads/main"),
            "dev");

    CompletableFuture<TestServer.Answer> first =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return server.deliver(payload, Map.of());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    Thread.sleep(1000);
    TestServer.Answer copy = server.deliver(payload, Map.of());
    TestServer.Answer original = first.get();

    assertThat(original.status()).as(original.body()).isEqualTo(503);
    assertThat(copy.status()).as(copy.body()).isEqualTo(503);
    assertThat(copy.body()).contains("still being processed").doesNotContain("received before");
    // The failed one was forgotten: sent again, it is processed afresh, not a duplicate.
    TestServer.Answer again = server.deliver(payload, Map.of());
    assertThat(again.body()).doesNotContain("received before");
  }

  @Test
  void aFormEncodedGitHubDeliveryIsAccepted() throws Exception {
    server = TestServer.start(dir.resolve("server"), WORKFLOW, "");
    String json =
        "{\"ref\":\"refs/heads/main\",\"before\":\""
            + server.first
            + "\",\"after\":\""
            + server.second
            + "\",\"repository\":{\"full_name\":\"acme/github\"},\"pusher\":{\"name\":\"dev\"}}";
    byte[] body =
        ("payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.US_ASCII);
    TestServer.Answer answer =
        server.send(
            "POST",
            "/hooks/github",
            Map.of(
                "Content-Type", "application/x-www-form-urlencoded",
                "X-GitHub-Event", "push",
                "X-GitHub-Delivery", "form-1",
                "X-Hub-Signature-256", "sha256=" + ReplayTest.hmac(body)),
            body);
    assertThat(answer.status()).as(answer.body()).isEqualTo(202);
    assertThat(answer.body()).contains("\"runs\":[1]");

    byte[] noPayload = "other=1".getBytes(StandardCharsets.US_ASCII);
    TestServer.Answer missing =
        server.send(
            "POST",
            "/hooks/github",
            Map.of(
                "Content-Type", "application/x-www-form-urlencoded",
                "X-GitHub-Event", "push",
                "X-Hub-Signature-256", "sha256=" + ReplayTest.hmac(noPayload)),
            noPayload);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.body()).contains("'payload' field");
  }

  @Test
  void everyNotFoundUnderApiAndHooksIsJson() throws Exception {
    server = TestServer.start(dir.resolve("server"), null, "");
    for (String[] request :
        List.of(
            new String[] {"GET", "/api/nothing-here"},
            new String[] {"GET", "/api/runs/1/nothing"},
            new String[] {"POST", "/hooks/nosuchforge"},
            new String[] {"GET", "/hooks/github"},
            new String[] {"GET", "/api/runs/999"})) {
      TestServer.Answer answer = server.send(request[0], request[1], Map.of(), new byte[0]);
      assertThat(answer.status()).as(request[1]).isEqualTo(404);
      assertThat(answer.body())
          .as(request[1])
          .contains("\"error\":\"not_found\"")
          .contains("\"message\":");
    }
  }

  private int hook(String url, Path spool, String stdin) {
    return new PostReceiveClient()
        .send(
            url,
            "acme/web",
            TestServer.SECRET,
            spool,
            new StringReader(stdin),
            new PrintWriter(out),
            new PrintWriter(err));
  }

  private String runs() throws Exception {
    return server.send("GET", "/api/runs", Map.of(), new byte[0]).body();
  }

  private static List<Path> files(Path spool) throws Exception {
    if (!Files.isDirectory(spool)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(spool)) {
      return list.filter(p -> p.toString().endsWith(".json")).toList();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
