package io.gantry.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Many live log followers of one run on one thread (a selector over their sockets), for the
 * benchmark: each reads {@code /api/runs/{id}/logs/stream} (chunked HTTP/1.1, Server-Sent Events)
 * as a browser's EventSource does, checks that the {@code log} events' ids go 1, 2, 3, … without a
 * gap or a repeat, and when the server drops it ({@code behind}, or the connection ends before
 * {@code end}) reconnects with {@code Last-Event-ID}. Lines are scanned as bytes, not made into
 * strings: the followers share the machine with the server they measure, so they must cost little.
 * With {@code gzip} they accept a gzipped stream, as browsers do, and inflate it.
 */
final class NioFollowers {

  /** What one follower got. */
  static final class Follower {
    long last;
    boolean inOrder = true;
    String end;
    int behind;
    int connections;
    boolean gzipped;

    private final ByteBuffer request;
    private boolean headers = true;
    private boolean statusSeen;
    private boolean chunked;
    private int chunkState;
    private long chunkLeft;
    private final byte[] line = new byte[64];
    private int lineSize;
    private long eventId = -1;
    private int event;
    private String data;
    private boolean gzip;
    private java.util.zip.Inflater inflater;
    private int headerLeft;

    private Follower(ByteBuffer request) {
      this.request = request;
    }
  }

  private static final int MESSAGE = 0;
  private static final int LOG = 1;
  private static final int BEHIND = 2;
  private static final int END = 3;
  private static final int OTHER = 4;

  private static final int SIZE = 0;
  private static final int DATA = 1;
  private static final int DATA_END = 2;

  private final int port;
  private final long runId;
  private final List<Follower> followers = new ArrayList<>();
  private final boolean acceptGzip;
  private final byte[] inflated = new byte[1 << 16];
  private long wireBytes;

  NioFollowers(int port, long runId, int count, boolean acceptGzip) {
    this.port = port;
    this.runId = runId;
    this.acceptGzip = acceptGzip;
    for (int i = 0; i < count; i++) {
      followers.add(new Follower(null));
    }
  }

  List<Follower> followers() {
    return followers;
  }

  /** The bytes the followers read from their sockets, headers and all. */
  long wireBytes() {
    return wireBytes;
  }

  /** Follows until every follower got {@code end}; fails after {@code timeoutMillis}. */
  void run(long timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    try (Selector selector = Selector.open()) {
      for (Follower follower : followers) {
        connect(selector, follower);
      }
      int open = followers.size();
      while (open > 0) {
        if (System.currentTimeMillis() > deadline) {
          throw new IOException(open + " followers did not reach the end in time");
        }
        selector.select(1000);
        for (SelectionKey key : selector.selectedKeys()) {
          Follower follower = (Follower) key.attachment();
          SocketChannel channel = (SocketChannel) key.channel();
          try {
            if (key.isConnectable()) {
              channel.finishConnect();
              key.interestOps(SelectionKey.OP_WRITE);
            } else if (key.isWritable()) {
              channel.write(follower.request);
              if (!follower.request.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ);
              }
            } else if (key.isReadable()) {
              buffer.clear();
              int n = channel.read(buffer);
              if (n > 0) {
                wireBytes += n;
                feed(follower, buffer.array(), n);
              }
              if (n < 0 || follower.end != null) {
                key.cancel();
                channel.close();
                if (follower.end == null) {
                  connect(selector, follower);
                } else {
                  open--;
                }
              }
            }
          } catch (IOException e) {
            key.cancel();
            channel.close();
            if (follower.end == null) {
              connect(selector, follower);
            } else {
              open--;
            }
          }
        }
        selector.selectedKeys().clear();
      }
    }
  }

  private void connect(Selector selector, Follower follower) throws IOException {
    if (++follower.connections > 200) {
      throw new IOException("a follower reconnected 200 times without reaching the end");
    }
    String request =
        "GET /api/runs/"
            + runId
            + "/logs/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            + "Authorization: Bearer "
            + TestServer.TOKEN
            + "\r\n"
            + (follower.last > 0 ? "Last-Event-ID: " + follower.last + "\r\n" : "")
            + (acceptGzip ? "Accept-Encoding: gzip\r\n" : "")
            + "\r\n";
    Follower fresh = new Follower(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
    fresh.last = follower.last;
    fresh.inOrder = follower.inOrder;
    fresh.behind = follower.behind;
    fresh.connections = follower.connections;
    fresh.gzipped = follower.gzipped;
    if (follower.inflater != null) {
      follower.inflater.end();
    }
    followers.set(followers.indexOf(follower), fresh);
    SocketChannel channel = SocketChannel.open();
    channel.configureBlocking(false);
    channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    channel.register(selector, SelectionKey.OP_CONNECT, fresh);
  }

  /** The bytes the connection gave: the answer's head, then its chunks' data as events. */
  private void feed(Follower f, byte[] bytes, int length) throws IOException {
    int i = 0;
    while (i < length) {
      if (f.headers) {
        byte b = bytes[i++];
        if (b == '\n') {
          String header = text(f);
          if (!f.statusSeen) {
            f.statusSeen = true;
            if (!header.startsWith("HTTP/1.1 200")) {
              throw new IOException("answer: " + header);
            }
          } else if (header.isEmpty()) {
            f.headers = false;
            if (f.gzip) {
              f.gzipped = true;
              f.inflater = new java.util.zip.Inflater(true);
              f.headerLeft = 10;
            }
          } else if (header
              .toLowerCase(java.util.Locale.ROOT)
              .equals("transfer-encoding: chunked")) {
            f.chunked = true;
          } else if (header.toLowerCase(java.util.Locale.ROOT).equals("content-encoding: gzip")) {
            f.gzip = true;
          }
          f.lineSize = 0;
        } else if (b != '\r') {
          keep(f, b);
        }
        continue;
      }
      if (!f.chunked) {
        body(f, bytes, i, length);
        return;
      }
      switch (f.chunkState) {
        case SIZE -> {
          byte b = bytes[i++];
          if (b == '\n') {
            if (f.chunkLeft == 0) {
              // The last chunk: the server closes the connection.
              return;
            }
            f.chunkState = DATA;
          } else if (b != '\r') {
            f.chunkLeft = f.chunkLeft * 16 + Character.digit(b, 16);
          }
        }
        case DATA -> {
          int n = (int) Math.min(f.chunkLeft, length - i);
          body(f, bytes, i, i + n);
          i += n;
          f.chunkLeft -= n;
          if (f.chunkLeft == 0) {
            f.chunkState = DATA_END;
          }
        }
        default -> {
          if (bytes[i++] == '\n') {
            f.chunkState = SIZE;
          }
        }
      }
    }
  }

  /** The answer's body: events, or a gzip stream of them (its header and trailer not checked). */
  private void body(Follower f, byte[] bytes, int from, int to) throws IOException {
    if (f.inflater == null) {
      sse(f, bytes, from, to);
      return;
    }
    int skip = Math.min(f.headerLeft, to - from);
    f.headerLeft -= skip;
    from += skip;
    if (from == to || f.inflater.finished()) {
      return;
    }
    f.inflater.setInput(bytes, from, to - from);
    try {
      int n;
      while ((n = f.inflater.inflate(inflated)) > 0) {
        sse(f, inflated, 0, n);
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new IOException("bad gzip stream: " + e.getMessage(), e);
    }
  }

  /** Server-Sent Events' lines: only their first bytes are kept (ids, event names, "end"). */
  private static void sse(Follower f, byte[] bytes, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (b != '\n') {
        keep(f, b);
        continue;
      }
      if (f.lineSize == 0) {
        dispatch(f);
      } else if (startsWith(f, "id: ")) {
        f.eventId = number(f, 4);
      } else if (startsWith(f, "event: ")) {
        f.event =
            startsWith(f, "event: log")
                ? LOG
                : startsWith(f, "event: behind")
                    ? BEHIND
                    : startsWith(f, "event: end") ? END : OTHER;
      } else if (startsWith(f, "data: ") && f.event == END) {
        f.data = text(f).substring(6);
      }
      f.lineSize = 0;
    }
  }

  private static void dispatch(Follower f) throws IOException {
    switch (f.event) {
      case LOG -> {
        if (f.eventId != f.last + 1) {
          f.inOrder = false;
        }
        f.last = f.eventId;
      }
      case BEHIND -> f.behind++;
      case END -> f.end = f.data;
      case OTHER -> throw new IOException("unexpected event");
      default -> {
        // A comment (ping) or nothing.
      }
    }
    f.event = MESSAGE;
    f.eventId = -1;
    f.data = null;
  }

  private static void keep(Follower f, byte b) {
    if (f.lineSize < f.line.length) {
      f.line[f.lineSize] = b;
    }
    f.lineSize++;
  }

  private static boolean startsWith(Follower f, String prefix) {
    if (f.lineSize < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (f.line[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static long number(Follower f, int from) {
    long n = 0;
    for (int i = from; i < Math.min(f.lineSize, f.line.length); i++) {
      n = n * 10 + (f.line[i] - '0');
    }
    return n;
  }

  private static String text(Follower f) {
    return new String(f.line, 0, Math.min(f.lineSize, f.line.length), StandardCharsets.UTF_8);
  }
}
