package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Twenty live log followers of one run of 40,000 lines in two parallel jobs: twelve that read as
 * fast as they can, four that stop reading after their first line until the run ended (they fall
 * behind: dropped with "reconnect from line N" and resuming with {@code Last-Event-ID}, or held to
 * one catch-up batch until they read again), and four sockets that never read at all. The run is
 * not held up by any of them (the server's idle timeout is ten minutes here, so a run waiting for
 * the stalled sockets would not end), and every follower that reads gets every line once, numbered
 * 1 to N without a gap.
 */
class LiveLogFollowersTest {

  @TempDir Path dir;

  @Test
  void noFollowerMissesALineAndNoneHoldsUpTheRun() throws Exception {
    Path go = dir.resolve("go");
    String pad = "x".repeat(250);
    String steps =
        "    steps:\n      - run: while [ ! -e "
            + go
            + " ]; do sleep 0.05; done\n"
            + "      - run: for i in $(seq 1 20000); do echo \"%s-$i "
            + pad
            + "\"; done\n";
    String workflow =
        "on: push\njobs:\n  a:\n    runs-on: x\n"
            + steps.replace("%s", "a")
            + "  b:\n    runs-on: x\n"
            + steps.replace("%s", "b");
    try (TestServer server =
        TestServer.start(dir.resolve("s"), workflow, "limits:\n  idle-timeout-seconds: 600\n")) {
      assertThat(server.deliver(server.push("refs/heads/main"), Map.of()).status()).isEqualTo(202);
      HttpClient http = HttpClient.newHttpClient();
      long runId = awaitRunId(http, server.port());

      CountDownLatch runEnded = new CountDownLatch(1);
      List<SseFollower> followers = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        SseFollower follower = new SseFollower(server.port(), runId, i < 12 ? null : runEnded);
        followers.add(follower);
        Thread thread = new Thread(follower, "follower-" + i);
        thread.start();
        threads.add(thread);
      }
      List<Socket> stalled = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
        OutputStream out = socket.getOutputStream();
        out.write(
            ("GET /api/runs/"
                    + runId
                    + "/logs/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + TestServer.TOKEN
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        stalled.add(socket);
      }
      Files.writeString(go, "go");

      String status = awaitCompleted(http, server.port(), runId);
      runEnded.countDown();
      for (Thread thread : threads) {
        thread.join(180_000);
      }
      assertThat(status).contains("\"conclusion\":\"success\"");

      List<String> whole =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + server.port() + "/api/runs/" + runId + "/logs"))
                      .header("Authorization", "Bearer " + TestServer.TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body()
              .lines()
              .toList();
      assertThat(whole.size()).isGreaterThan(40_000);
      List<String> expected = whole.stream().sorted().toList();
      List<Long> numbers = LongStream.rangeClosed(1, whole.size()).boxed().toList();
      for (SseFollower follower : followers) {
        assertThat(follower.failure).isNull();
        assertThat(follower.end).isEqualTo("success");
        assertThat(follower.ids).isEqualTo(numbers);
        assertThat(follower.lines.stream().sorted().toList()).isEqualTo(expected);
      }
      // Those that stopped reading either were dropped and came back (an attached follower whose
      // queue passed its bound), or were held to one catch-up batch at a time and read on (a
      // follower catching up holds no more than that): each got every line, checked above.
      for (SseFollower slow : followers.subList(12, 16)) {
        if (slow.behindEvents.get() > 0) {
          assertThat(slow.connections.get()).isGreaterThan(1);
        }
      }
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  private static long awaitRunId(HttpClient http, int port) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      String runs =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/runs"))
                      .header("Authorization", "Bearer " + TestServer.TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"id\":(\\d+)").matcher(runs);
      if (id.find()) {
        return Long.parseLong(id.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no run was queued");
  }

  private static String awaitCompleted(HttpClient http, int port, long runId) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    String run = "";
    while (System.currentTimeMillis() < deadline) {
      run =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/api/runs/" + runId))
                      .header("Authorization", "Bearer " + TestServer.TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (run.contains("\"status\":\"COMPLETED\"")) {
        return run;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the run did not end (held up by its followers?): " + run);
  }
}
