package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/runs/{id}/logs} streams the log files from the disk rather than holding them. */
class LogDownloadTest {

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aLogLargerThanAnyBufferIsStreamedWholeAndInOrder() throws Exception {
    // An invalid workflow gives a finished run with a log file, without running anything.
    server = TestServer.start(dir, "name: ci\non: push\njobs: {a: 1}\n", "");
    TestServer.Answer push =
        server.deliver(
            GitHookPayload.of(
                "acme/web",
                new PostReceive.RefUpdate(server.first, server.second, "refs/heads/main"),
                "dev"),
            Map.of());
    assertThat(push.body()).contains("\"runs\":[1]");
    Path runLogs = dir.resolve("data/logs/1");
    Path big = runLogs.resolve("zz-big/001.log");
    Files.createDirectories(big.getParent());
    byte[] line = ("x".repeat(99) + "\n").getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = Files.newOutputStream(big)) {
      for (int i = 0; i < 400_000; i++) { // 40 MB
        out.write(line);
      }
      out.write("the last line, without a newline".getBytes(StandardCharsets.US_ASCII));
    }

    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket
          .getOutputStream()
          .write(
              ("GET /api/runs/1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + TestServer.TOKEN
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String head = head(in);
      assertThat(head).startsWith("HTTP/1.1 200");
      // Streamed: sent as it is read, not measured (and so held) in memory first.
      assertThat(head.toLowerCase(Locale.ROOT)).doesNotContain("content-length");
      byte[] body =
          head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")
              ? dechunk(in)
              : in.readAllBytes();
      String text = new String(body, StandardCharsets.US_ASCII);
      assertThat(text).contains("Error:").endsWith("the last line, without a newline\n");
      assertThat(text.indexOf("Error:")).isLessThan(text.indexOf("xxxx"));
      long expected = 0;
      try (var files = Files.walk(runLogs)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          expected += Files.size(f);
        }
      }
      assertThat((long) body.length).isEqualTo(expected + 1); // + the last line's newline
    }
  }

  private static String head(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      head.write(b);
      byte[] so = head.toByteArray();
      int n = so.length;
      if (b < 0
          || (n >= 4
              && Arrays.equals(
                  Arrays.copyOfRange(so, n - 4, n),
                  "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  private static byte[] dechunk(InputStream in) throws Exception {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      StringBuilder size = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b != '\r') {
          size.append((char) b);
        }
      }
      int n = Integer.parseInt(size.toString().strip(), 16);
      if (n == 0) {
        return body.toByteArray();
      }
      body.write(in.readNBytes(n));
      in.readNBytes(2);
    }
  }
}
