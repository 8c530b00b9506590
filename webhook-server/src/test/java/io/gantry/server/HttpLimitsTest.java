package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP layer's limits against hostile clients written here on plain sockets: a chunked body far
 * over the limit, and hundreds of connections trickling a body one byte at a time.
 */
class HttpLimitsTest {

  private static final int CHUNK = 64 * 1024;

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aChunkedUnsignedBodyOverTheLimitIsCutOffWith413LongBeforeItEnds() throws Exception {
    server = TestServer.start(dir, null, "limits:\n  webhook-body: 4MiB\n");
    AtomicLong sent = new AtomicLong();
    long total = 128L << 20;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                  + "X-Gantry-Event: push\r\nContent-Type: application/json\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      Thread writer =
          new Thread(
              () -> {
                byte[] chunk = new byte[CHUNK];
                Arrays.fill(chunk, (byte) 'x');
                byte[] size =
                    (Integer.toHexString(CHUNK) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] end = "\r\n".getBytes(StandardCharsets.US_ASCII);
                try {
                  while (sent.get() < total) {
                    out.write(size);
                    out.write(chunk);
                    out.write(end);
                    sent.addAndGet(CHUNK);
                  }
                  out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                } catch (IOException cut) {
                  // the server closed the connection: what a limit should do
                }
              });
      writer.start();
      TestServer.Answer answer = TestServer.Answer.read(socket.getInputStream());
      writer.join(60_000);
      assertThat(answer.status()).as(answer.body()).isEqualTo(413);
      assertThat(answer.body()).contains("\"error\":\"too_large\"").contains("4 MiB");
    }
    // The server stopped reading at the limit: what was sent is the limit plus what the sockets'
    // buffers took, not the whole body.
    assertThat(sent.get()).isLessThan(32L << 20);
  }

  @Test
  void anApiBodyOverItsSmallerLimitIsRefusedBeforeAnythingReadsIt() throws Exception {
    server = TestServer.start(dir, null, "limits:\n  request-body: 1KiB\n");
    byte[] body = new byte[4096];
    Arrays.fill(body, (byte) ' ');
    TestServer.Answer answer =
        server.send(
            "POST",
            "/api/runs",
            Map.of(
                "Authorization", "Bearer " + TestServer.TOKEN, "Content-Type", "application/json"),
            body);
    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.body()).contains("too_large").contains("1 KiB");
  }

  @Test
  void aSmallBodyWhoseEndArrivesAMomentLaterIsReadNotRefusedAsSlow() throws Exception {
    // Jetty's minimum data rate counts from the first byte: two bytes, then the rest 400 ms later,
    // was "under 1024 B/s" and answered 408. A client sending headers and body in pieces (or a busy
    // server reading them late) is not a slow client; only one still dribbling after the grace is.
    server = TestServer.start(dir, null, "");
    String body = "{\"ref\":\"refs/heads/main\"}";
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                  + body.length()
                  + "\r\nX-Gantry-Event: push\r\nContent-Type: application/json\r\n"
                  + "Connection: close\r\n\r\n"
                  + body.substring(0, 2))
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Thread.sleep(400);
      out.write(body.substring(2).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 4").doesNotContain("408").doesNotContain("too_slow");
      // Read whole and judged: an unsigned delivery is refused for its signature.
      assertThat(answer).startsWith("HTTP/1.1 401");
    }
  }

  @Test
  void slowSendersFromOneAddressDoNotStopHealthOrADeliveryAndAreCutOff() throws Exception {
    server = TestServer.start(dir, null, "");
    InetAddress attacker = InetAddress.getByName("127.0.0.2");
    List<Slow> slow = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      slow.add(new Slow(attacker, server.port(), true));
    }
    // The attack goes on (one byte per socket every 200 ms, cut ones reopened) while the checks
    // run.
    long attackEnds = System.nanoTime() + 12_000_000_000L;
    int reopened = 0;
    TestServer.Answer health = null;
    TestServer.Answer delivery = null;
    while (System.nanoTime() < attackEnds) {
      for (int i = 0; i < slow.size(); i++) {
        if (!slow.get(i).trickle()) {
          slow.get(i).close();
          slow.set(i, new Slow(attacker, server.port(), false));
          reopened++;
        }
      }
      if (health == null && System.nanoTime() > attackEnds - 9_000_000_000L) {
        health = get("/health");
        delivery = server.deliver(server.push("refs/heads/slow-attack"), Map.of());
      }
      Thread.sleep(200);
    }
    long stillOpenFromTheStart = slow.stream().filter(s -> s.original && s.open).count();
    slow.forEach(Slow::close);

    assertThat(health).isNotNull();
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body()).contains("UP");
    assertThat(delivery.status()).as(delivery.body()).isEqualTo(202);
    // Every one of the 300 first sockets was closed by the server while it was still sending.
    assertThat(stillOpenFromTheStart).isZero();
    assertThat(reopened).isGreaterThanOrEqualTo(300);
  }

  /** GET over a fresh connection from 127.0.0.1, waiting at most 10 s for the answer. */
  private TestServer.Answer get(String path) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      return TestServer.Answer.read(socket.getInputStream());
    } catch (SocketTimeoutException e) {
      throw new AssertionError("GET " + path + " got no answer in 10 s during the slow attack", e);
    }
  }

  /** A connection that announces a 1 MB webhook body and sends it one byte at a time. */
  private static final class Slow {
    final boolean original;
    boolean open = true;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    Slow(InetAddress from, int port, boolean original) {
      this.original = original;
      try {
        socket = new Socket(InetAddress.getLoopbackAddress(), port, from, 0);
        socket.setSoTimeout(1);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        out.write(
            ("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n"
                    + "X-Gantry-Event: push\r\n\r\n{")
                .getBytes(StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        open = false;
      }
    }

    /** One more byte; false once the server has answered or closed the connection. */
    boolean trickle() {
      if (!open) {
        return false;
      }
      try {
        try {
          in.read(); // an answer (408/413) or the end of the stream: cut off
          open = false;
          return false;
        } catch (SocketTimeoutException nothingYet) {
          // the server is still waiting for the body
        }
        out.write(' ');
        out.flush();
        return true;
      } catch (IOException e) {
        open = false;
        return false;
      }
    }

    void close() {
      open = false;
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
