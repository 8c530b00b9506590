package io.gantry.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A live log follower written for the tests, over a plain socket: reads {@code
 * /api/runs/{id}/logs/stream} (chunked HTTP/1.1, Server-Sent Events) as a browser's EventSource
 * does, and when the server drops it ({@code behind}, or the connection ends before {@code end})
 * reconnects with {@code Last-Event-ID}. {@code pauseAfterFirst} makes it stop reading after the
 * first event until told to go on, as a slow client does. With {@code gzip} it accepts a gzipped
 * stream, as browsers do, and reads it through {@link java.util.zip.GZIPInputStream} (which checks
 * the stream's CRC-32 and length at its end).
 */
final class SseFollower implements Runnable {

  final List<Long> ids = new ArrayList<>();
  final List<String> lines = new ArrayList<>();
  volatile String end;
  final java.util.concurrent.atomic.AtomicInteger behindEvents =
      new java.util.concurrent.atomic.AtomicInteger();
  final java.util.concurrent.atomic.AtomicInteger connections =
      new java.util.concurrent.atomic.AtomicInteger();
  volatile Throwable failure;

  /** Connections whose answer was gzipped. */
  final java.util.concurrent.atomic.AtomicInteger gzipped =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Counted down when the first {@code log} event is read (before a pause). */
  final java.util.concurrent.CountDownLatch firstLine = new java.util.concurrent.CountDownLatch(1);

  private final int port;
  private final long runId;
  private final java.util.concurrent.CountDownLatch resume;
  private final boolean gzip;

  SseFollower(int port, long runId, java.util.concurrent.CountDownLatch resume) {
    this(port, runId, resume, false);
  }

  SseFollower(
      int port, long runId, java.util.concurrent.CountDownLatch resume, boolean acceptGzip) {
    this.port = port;
    this.runId = runId;
    this.resume = resume;
    this.gzip = acceptGzip;
  }

  @Override
  public void run() {
    try {
      long last = 0;
      while (end == null) {
        if (connections.incrementAndGet() > 200) {
          throw new IOException("reconnected 200 times without reaching the end");
        }
        last = follow(last);
      }
    } catch (Throwable e) {
      failure = e;
    } finally {
      firstLine.countDown();
    }
  }

  private long follow(long after) throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(8192);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      socket.setSoTimeout(120_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /api/runs/"
                  + runId
                  + "/logs/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                  + "Authorization: Bearer "
                  + TestServer.TOKEN
                  + "\r\n"
                  + (after > 0 ? "Last-Event-ID: " + after + "\r\n" : "")
                  + (gzip ? "Accept-Encoding: gzip\r\n" : "")
                  + "\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Chunked body = new Chunked(new BufferedInputStream(socket.getInputStream(), 65536));
      InputStream events = body;
      if (body.gzip) {
        gzipped.incrementAndGet();
        events = new java.util.zip.GZIPInputStream(body, 65536);
      }
      Lines in = new Lines(events);
      long last = after;
      String event = "message";
      String id = null;
      StringBuilder data = null;
      boolean first = true;
      String line;
      while ((line = in.next()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            switch (event) {
              case "log" -> {
                long number = Long.parseLong(id);
                ids.add(number);
                lines.add(data.toString());
                last = number;
                firstLine.countDown();
                if (first && resume != null) {
                  first = false;
                  resume.await();
                }
              }
              case "behind" -> behindEvents.incrementAndGet();
              case "end" -> {
                end = data.toString();
                return last;
              }
              default -> throw new IOException("unexpected event " + event + ": " + data);
            }
          }
          event = "message";
          id = null;
          data = null;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data =
              data == null
                  ? new StringBuilder(line.substring(6))
                  : data.append('\n').append(line.substring(6));
        }
      }
      return last;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    byte[] line = new byte[128];
    int size = 0;
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (size == line.length) {
        line = java.util.Arrays.copyOf(line, size * 2);
      }
      line[size++] = (byte) b;
    }
    if (b < 0 && size == 0) {
      return null;
    }
    if (size > 0 && line[size - 1] == '\r') {
      size--;
    }
    return new String(line, 0, size, StandardCharsets.UTF_8);
  }

  /** The lines of a stream, read a buffer at a time (a follower reads megabytes). */
  private static final class Lines {
    private final InputStream in;
    private final byte[] buffer = new byte[65536];
    private int position;
    private int limit;
    private byte[] line = new byte[256];

    Lines(InputStream in) {
      this.in = in;
    }

    String next() throws IOException {
      int size = 0;
      while (true) {
        if (position == limit) {
          int n = in.read(buffer, 0, buffer.length);
          if (n < 0) {
            return size == 0 ? null : text(size);
          }
          position = 0;
          limit = n;
        }
        int end = position;
        while (end < limit && buffer[end] != '\n') {
          end++;
        }
        int length = end - position;
        if (size + length > line.length) {
          line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, size + length));
        }
        System.arraycopy(buffer, position, line, size, length);
        size += length;
        if (end < limit) {
          position = end + 1;
          return text(size);
        }
        position = limit;
      }
    }

    private String text(int size) {
      int length = size > 0 && line[size - 1] == '\r' ? size - 1 : size;
      return new String(line, 0, length, StandardCharsets.UTF_8);
    }
  }

  /** The body of a chunked HTTP/1.1 answer (its status line and headers skipped). */
  private static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;
    final boolean gzip;

    Chunked(InputStream in) throws IOException {
      this.in = in;
      String header;
      boolean chunked = false;
      boolean gzipped = false;
      while ((header = readLine(in)) != null && !header.isEmpty()) {
        String lower = header.toLowerCase(java.util.Locale.ROOT);
        chunked |= lower.startsWith("transfer-encoding: chunked");
        gzipped |= lower.equals("content-encoding: gzip");
      }
      gzip = gzipped;
      if (!chunked) {
        left = Long.MAX_VALUE;
      }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      if (left == 0 || done) {
        // At a chunk's boundary: read() reads the next chunk's size.
        int b = read();
        if (b < 0) {
          return -1;
        }
        buffer[offset] = (byte) b;
        return 1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, left));
      if (n < 0) {
        done = true;
        return -1;
      }
      left -= n;
      return n;
    }

    @Override
    public int read() throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = readLine(in);
        if (size != null && size.isEmpty()) {
          size = readLine(in);
        }
        if (size == null) {
          done = true;
          return -1;
        }
        left = Long.parseLong(size.strip(), 16);
        if (left == 0) {
          done = true;
          return -1;
        }
      }
      int b = in.read();
      if (b < 0) {
        done = true;
        return -1;
      }
      left--;
      return b;
    }
  }
}
