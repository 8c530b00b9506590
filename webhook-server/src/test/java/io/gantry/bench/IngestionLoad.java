package io.gantry.bench;

import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingestion benchmark's load generator, run as a process of its own so that its CPU time is not
 * the server's (as wrk or hey would be): N senders, each on one kept-alive HTTP/1.1 socket to
 * 127.0.0.1, send signed {@code /hooks/git} deliveries and read each answer before the next.
 *
 * <p>Every request is built and signed before the clock starts (each a distinct delivery: its own
 * ref, body, delivery id and HMAC-SHA256 signature, which the server verifies), so what is timed is
 * the server's work plus the sockets. Protocol with the parent on stdin/stdout: it sends the
 * warm-up deliveries, prints {@code ready}, waits for a line {@code go}, sends the timed ones and
 * prints {@code done <nanos> <accepted> <cpuNanos> <statuses>}; then, for a line {@code redeliver},
 * sends the first 50 timed deliveries again and prints how many were answered as duplicates (proof
 * that they were stored).
 *
 * <p>Arguments: port, repository, hook secret, before sha, after sha, senders, warm-up deliveries,
 * timed deliveries.
 */
public final class IngestionLoad {

  private IngestionLoad() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String repository = args[1];
    String secret = args[2];
    String before = args[3];
    String after = args[4];
    int senders = Integer.parseInt(args[5]);
    int warmup = Integer.parseInt(args[6]);
    int deliveries = Integer.parseInt(args[7]);

    List<byte[]> warmupRequests = build(port, repository, secret, before, after, "warmup-", warmup);
    List<byte[]> timed = build(port, repository, secret, before, after, "ingest-", deliveries);

    BufferedReader parent =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Result warm = send(port, senders, warmupRequests);
    if (warm.accepted() != warmup) {
      throw new IllegalStateException(
          "warm-up: " + warm.accepted() + " of " + warmup + " accepted, " + warm.statuses());
    }
    System.out.println("ready");
    System.out.flush();
    expect(parent, "go");
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long start = System.nanoTime();
    Result result = send(port, senders, timed);
    long nanos = System.nanoTime() - start;
    long cpu = os.getProcessCpuTime() - cpuBefore;
    System.out.println(
        "done " + nanos + " " + result.accepted() + " " + cpu + " " + result.statuses());
    System.out.flush();
    expect(parent, "redeliver");
    Result again = send(port, senders, timed.subList(0, Math.min(50, timed.size())));
    System.out.println("redelivered " + again.statuses().getOrDefault(200, 0));
    System.out.flush();
  }

  private static void expect(BufferedReader parent, String word) throws IOException {
    String line = parent.readLine();
    if (!word.equals(line)) {
      throw new IllegalStateException("expected '" + word + "' from the benchmark, got " + line);
    }
  }

  /**
   * Each request whole, as bytes on the wire: a distinct ref, so a distinct body, id, signature.
   */
  private static List<byte[]> build(
      int port,
      String repository,
      String secret,
      String before,
      String after,
      String prefix,
      int count) {
    List<byte[]> requests = new ArrayList<>(count);
    for (int n = 0; n < count; n++) {
      GitHookPayload payload =
          GitHookPayload.of(
              repository,
              new PostReceive.RefUpdate(before, after, "refs/heads/" + prefix + n),
              "bench");
      byte[] body = payload.body();
      StringBuilder head =
          new StringBuilder("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1:")
              .append(port)
              .append("\r\n");
      for (Map.Entry<String, String> header : payload.headers(secret).entrySet()) {
        head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
      byte[] request = new byte[headBytes.length + body.length];
      System.arraycopy(headBytes, 0, request, 0, headBytes.length);
      System.arraycopy(body, 0, request, headBytes.length, body.length);
      requests.add(request);
    }
    return requests;
  }

  private record Result(int accepted, Map<Integer, Integer> statuses) {}

  /** Sends every request once over {@code senders} kept-alive connections; counts the answers. */
  private static Result send(int port, int senders, List<byte[]> requests) throws Exception {
    AtomicInteger next = new AtomicInteger();
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    AtomicLong failures = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int s = 0; s < senders; s++) {
      Thread thread =
          new Thread(
              () -> {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                  socket.setTcpNoDelay(true);
                  OutputStream out = socket.getOutputStream();
                  InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
                  int n;
                  while ((n = next.getAndIncrement()) < requests.size()) {
                    out.write(requests.get(n));
                    out.flush();
                    statuses.merge(readResponse(in), 1, Integer::sum);
                  }
                } catch (IOException | RuntimeException e) {
                  failures.incrementAndGet();
                  errors.add(e);
                }
              },
              "sender-" + s);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException(failures.get() + " senders failed", errors.get(0));
    }
    return new Result(statuses.getOrDefault(202, 0), new java.util.TreeMap<>(statuses));
  }

  /** Reads one HTTP/1.1 response (Content-Length or chunked body); returns its status code. */
  private static int readResponse(InputStream in) throws IOException {
    String status = line(in);
    if (!status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP/1.1 response: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    String header;
    while (!(header = line(in)).isEmpty()) {
      int colon = header.indexOf(':');
      String name = header.substring(0, colon).trim();
      String value = header.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
        chunked = true;
      } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
        throw new IOException("the server closed the kept-alive connection (status " + code + ")");
      }
    }
    if (chunked) {
      long size;
      while ((size = Long.parseLong(line(in).trim(), 16)) > 0) {
        skip(in, size);
        line(in);
      }
      line(in);
    } else if (length > 0) {
      skip(in, length);
    }
    return code;
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("the server closed the connection");
      }
      if (b != '\r') {
        bytes.write(b);
      }
    }
    return bytes.toString(StandardCharsets.US_ASCII);
  }

  private static void skip(InputStream in, long count) throws IOException {
    long left = count;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("the server closed the connection in a body");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }
}
