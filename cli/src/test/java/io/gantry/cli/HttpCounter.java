package io.gantry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 between the bench's agents and the server that counts the HTTP requests
 * going through it by endpoint (the request line's path, numbers replaced by {@code {id}}) and the
 * connections opened. Only for the profile: it costs the bench's JVM some CPU of its own.
 */
final class HttpCounter implements AutoCloseable {

  private final ServerSocket listener;
  private final int target;
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final AtomicLong connections = new AtomicLong();

  private HttpCounter(int target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
  }

  static HttpCounter start(int target) throws IOException {
    HttpCounter c = new HttpCounter(target);
    Thread t = new Thread(c::accept, "bench-http-counter");
    t.setDaemon(true);
    t.start();
    return c;
  }

  int port() {
    return listener.getLocalPort();
  }

  long connections() {
    return connections.get();
  }

  Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        connections.incrementAndGet();
        relay(client.getInputStream(), server.getOutputStream(), true, client, server);
        relay(server.getInputStream(), client.getOutputStream(), false, client, server);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void relay(InputStream in, OutputStream out, boolean count, Socket a, Socket b) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[65536];
              Requests requests = new Requests();
              try (a;
                  b) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                  out.write(buffer, 0, n);
                  out.flush();
                  if (count) {
                    requests.read(buffer, n);
                  }
                }
              } catch (IOException e) {
                // the connection ended
              }
            },
            "bench-http-relay");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Counts the requests of one client connection: HTTP/1.1 request lines, or, once the client
   * upgraded to HTTP/2 (Java's HttpClient asks for h2c and Jetty agrees), HEADERS frames that start
   * a stream, as {@code h2} (HPACK hides their paths).
   */
  private final class Requests {
    private final StringBuilder tail = new StringBuilder();
    private boolean h2;
    private final java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
    private int skip = PREFACE.length;

    void read(byte[] buffer, int n) {
      if (!h2) {
        tail.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        int preface = tail.indexOf("PRI * HTTP/2.0");
        if (preface < 0) {
          countLines(tail);
          return;
        }
        countLines(new StringBuilder(tail.substring(0, preface)));
        h2 = true;
        byte[] rest = tail.substring(preface).getBytes(StandardCharsets.ISO_8859_1);
        tail.setLength(0);
        frames.write(rest, 0, rest.length);
      } else {
        frames.write(buffer, 0, n);
      }
      byte[] all = frames.toByteArray();
      int at = 0;
      if (skip > 0) {
        int s = Math.min(skip, all.length);
        skip -= s;
        at = s;
      }
      while (all.length - at >= 9) {
        int length = ((all[at] & 0xff) << 16) | ((all[at + 1] & 0xff) << 8) | (all[at + 2] & 0xff);
        if (all.length - at < 9 + length) {
          break;
        }
        if (all[at + 3] == 1) {
          counts.computeIfAbsent("h2", k -> new AtomicLong()).incrementAndGet();
        }
        at += 9 + length;
      }
      frames.reset();
      frames.write(all, at, all.length - at);
    }
  }

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /** A request line; a body ends without a line break, so the next one may follow it at once. */
  private static final java.util.regex.Pattern REQUEST =
      java.util.regex.Pattern.compile("(?:POST|GET|PUT|DELETE) (/\\S*) HTTP/1\\.[01]\r\n");

  private void countLines(StringBuilder tail) {
    java.util.regex.Matcher m = REQUEST.matcher(tail);
    int end = 0;
    while (m.find()) {
      String path = m.group(1).replaceAll("/[0-9]+", "/{id}");
      counts.computeIfAbsent(path, k -> new AtomicLong()).incrementAndGet();
      end = m.end();
    }
    tail.delete(0, end);
    if (tail.length() > 4096) {
      tail.delete(0, tail.length() - 4096);
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
