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
 * Twenty live log followers of one run of 40,000 lines (about 13 MB of events) in two parallel
 * jobs: twelve that read as fast as they can, four that stop reading after their first line until
 * the run ended, and four sockets that read their first line and then nothing. Every follower is
 * attached (has its first line) before the run writes its 40,000 lines, so each one that stops
 * reading is offered far more than its bounded buffer holds (the connection's capped kernel send
 * buffer and {@link LogFollower#BEHIND_LINES} lines): it must be dropped with {@code behind}
 * ("reconnect from line N"), and one that reads again must come back with {@code Last-Event-ID} and
 * miss nothing. The run is not held up by any of them (the server's idle timeout is ten minutes
 * here, so a run waiting for the stalled sockets would not end), and every follower that reads gets
 * every line once, numbered 1 to N without a gap; half of them (six fast, two paused) accept gzip
 * and get every connection gzipped. Nothing here depends on timing: the followers that stopped
 * reading resume only once the fast ones got {@code end}, which the server sends only after it
 * offered every line to every follower.
 */
class LiveLogFollowersTest {

  @TempDir Path dir;

  @Test
  void noFollowerMissesALineAndNoneHoldsUpTheRun() throws Exception {
    Path go = dir.resolve("go");
    // 20,000 lines of 262 random characters per job: text that compresses no better than 4:3, so
    // that a paused follower's bounded buffers hold but a few thousand lines, gzipped or not.
    String steps =
        "    steps:\n      - run: echo waiting; while [ ! -e "
            + go
            + " ]; do sleep 0.05; done\n"
            + "      - run: head -c 3900000 /dev/urandom | base64 -w 260 | sed \"s/^/%s-/\"\n";
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
        // Half of them accept gzip, as browsers do: the fast and the paused ones.
        SseFollower follower =
            new SseFollower(server.port(), runId, i < 12 ? null : runEnded, i % 2 == 1);
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
        socket.setSoTimeout(120_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("GET /api/runs/"
                    + runId
                    + "/logs/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer "
                    + TestServer.TOKEN
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        // Its first line, then nothing more until the run ended.
        assertThat(readUntil(socket.getInputStream(), "event: log\n")).contains("200 OK");
        stalled.add(socket);
      }
      for (SseFollower follower : followers) {
        follower.firstLine.await();
        assertThat(follower.failure).isNull();
      }
      Files.writeString(go, "go");

      String status = awaitCompleted(http, server.port(), runId);
      for (Thread thread : threads.subList(0, 12)) {
        thread.join(180_000);
      }
      // The fast ones have "end": every line was offered to every follower before it. The sockets
      // that never read on were told they fell behind, and closed.
      for (Socket socket : stalled) {
        String rest = readUntil(socket.getInputStream(), null);
        assertThat(rest).contains("event: behind\ndata: you fell behind; reconnect from line ");
        assertThat(rest).doesNotContain("event: end");
        socket.close();
      }
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
      // Those that stopped reading were dropped, and came back.
      for (SseFollower slow : followers.subList(12, 16)) {
        assertThat(slow.behindEvents.get()).isGreaterThanOrEqualTo(1);
        assertThat(slow.connections.get()).isGreaterThan(1);
      }
      // Those that accept gzip got every connection gzipped (their lines, above, byte for byte).
      for (int i = 0; i < followers.size(); i++) {
        SseFollower follower = followers.get(i);
        assertThat(follower.gzipped.get()).isEqualTo(i % 2 == 1 ? follower.connections.get() : 0);
      }
    }
  }

  /** What the stream gives up to and including {@code end} (null: to its end). */
  private static String readUntil(java.io.InputStream in, String end) throws java.io.IOException {
    java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[end == null ? 65536 : 1];
    int n;
    while ((n = in.read(buffer)) > 0) {
      read.write(buffer, 0, n);
      if (end != null && read.toString(StandardCharsets.UTF_8).endsWith(end)) {
        break;
      }
    }
    return read.toString(StandardCharsets.UTF_8);
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
