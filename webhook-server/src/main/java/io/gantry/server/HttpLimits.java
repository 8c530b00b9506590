package io.gantry.server;

import io.gantry.server.config.ServerConfig;
import io.javalin.config.JavalinConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * The HTTP layer's bounds, for every route (see {@link ServerConfig.Limits}): a body limit that
 * holds for chunked requests too (Javalin's {@code maxRequestSize} only checks {@code
 * Content-Length}), a minimum rate and an idle timeout for reading a body, so a slow client holds a
 * request thread for seconds rather than for as long as it likes, and a cap on the connections one
 * client address may hold, so a few hundred slow sockets from one place cannot take every thread
 * from {@code /health} and the forges' deliveries.
 */
final class HttpLimits {

  private static final Logger LOG = Logger.getLogger(HttpLimits.class.getName());

  private HttpLimits() {}

  static void apply(JavalinConfig config, ServerConfig.Limits limits) {
    config.http.maxRequestSize = Math.max(limits.webhookBodyBytes(), limits.requestBodyBytes());
    config.jetty.modifyHttpConfiguration(
        http -> {
          // Blocking reads and writes (a request body, an answer) wait at most this long.
          http.setIdleTimeout(limits.idleTimeoutSeconds() * 1000L);
        });
    config.jetty.modifyServer(
        server ->
            server.addBean(
                new PerAddress(
                    server, limits.connectionsPerAddress(), limits.idleTimeoutSeconds() * 1000L)));
    config.jetty.modifyServletContextHandler(
        handler ->
            handler.addFilter(
                new FilterHolder(
                    new BodyLimit(
                        limits.webhookBodyBytes(),
                        limits.requestBodyBytes(),
                        limits.minRequestBytesPerSecond())),
                "/*",
                EnumSet.of(DispatcherType.REQUEST)));
  }

  /**
   * The body limit of a chunk of an upload: the cache protocol's {@code PATCH} (actions/cache sends
   * 32 MiB chunks) and an agent's artifact chunk ({@code PUT}, at most 8 MiB); their handlers
   * stream them to disk.
   */
  static final long CHUNK_BYTES = 64L << 20;

  static boolean isChunk(HttpServletRequest http) {
    String uri = http.getRequestURI();
    String method = http.getMethod();
    return ("PATCH".equals(method) && uri.startsWith("/_apis/artifactcache/caches/"))
        || ("PUT".equals(method)
            && uri.startsWith("/api/agent/runs/")
            && uri.contains("/artifact-uploads/"));
  }

  /** The {@code {"error","message"}} of a body over the limit. */
  static String tooLargeMessage(long limit) {
    return "the request body is over " + human(limit) + "; this server takes no more";
  }

  static String human(long bytes) {
    if (bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes % 1024 == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " bytes";
  }

  /**
   * Counts the bytes a request's body stream gives and fails the read past the limit: the handler
   * reading it gets an {@link ApiException} 413 (and the connection is closed after the answer, so
   * the rest of the body is never read); a declared {@code Content-Length} over the limit is
   * answered at once.
   */
  static final class BodyLimit implements Filter {
    private final long webhookLimit;
    private final long otherLimit;
    private final long minBytesPerSecond;

    BodyLimit(long webhookLimit, long otherLimit, long minBytesPerSecond) {
      this.webhookLimit = webhookLimit;
      this.otherLimit = otherLimit;
      this.minBytesPerSecond = minBytesPerSecond;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest http = (HttpServletRequest) request;
      long limit =
          http.getRequestURI().startsWith("/hooks/")
              ? webhookLimit
              : isChunk(http) ? Math.max(otherLimit, CHUNK_BYTES) : otherLimit;
      if (http.getContentLengthLong() > limit) {
        HttpServletResponse answer = (HttpServletResponse) response;
        answer.setStatus(413);
        answer.setHeader("Connection", "close");
        answer.setContentType("application/json");
        byte[] json =
            ("{\"error\":\"too_large\",\"message\":\"" + tooLargeMessage(limit) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        answer.setContentLength(json.length);
        answer.getOutputStream().write(json);
        hangUp(http, answer);
        return;
      }
      Limited limited = new Limited(http, limit, minBytesPerSecond);
      chain.doFilter(limited, response);
      if (limited.stream != null && limited.stream.count > limit) {
        hangUp(http, (HttpServletResponse) response);
      }
    }

    /**
     * Sends the answer (with its length, so the client knows it is whole) and closes the
     * connection: left open, Jetty would read and discard the rest of the body, however long, to
     * keep the connection alive.
     */
    private static void hangUp(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.flushBuffer();
      Request base = Request.getBaseRequest(request);
      if (base != null) {
        EndPoint endPoint = base.getHttpChannel().getEndPoint();
        endPoint.shutdownOutput();
        endPoint.close();
      }
    }
  }

  private static final class Limited extends HttpServletRequestWrapper {
    private final long limit;
    private final long minBytesPerSecond;
    private Counting stream;

    Limited(HttpServletRequest request, long limit, long minBytesPerSecond) {
      super(request);
      this.limit = limit;
      this.minBytesPerSecond = minBytesPerSecond;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = new Counting(super.getInputStream(), limit, minBytesPerSecond);
      }
      return stream;
    }
  }

  /**
   * How long a body may take before its pace is checked. Jetty's own minimum data rate checks from
   * the first byte, so a body of a few bytes whose end is read 3 ms later (a busy machine, a client
   * sending headers and body apart) was refused with 408; a slow client is still cut off after this
   * grace, and a stalled one by the idle timeout.
   */
  static final long RATE_GRACE_NANOS = 2_000_000_000L;

  private static final class Counting extends ServletInputStream {
    private final ServletInputStream in;
    private final long limit;
    private final long minBytesPerSecond;
    private long count;
    private long firstNanos = Long.MIN_VALUE;

    Counting(ServletInputStream in, long limit, long minBytesPerSecond) {
      this.in = in;
      this.limit = limit;
      this.minBytesPerSecond = minBytesPerSecond;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    private void counted(int n) {
      count += n;
      if (count > limit) {
        throw new ApiException(413, "too_large", tooLargeMessage(limit));
      }
      long now = System.nanoTime();
      if (firstNanos == Long.MIN_VALUE) {
        firstNanos = now;
        return;
      }
      long elapsed = now - firstNanos;
      if (minBytesPerSecond > 0
          && elapsed > RATE_GRACE_NANOS
          && count < minBytesPerSecond * (elapsed / 1_000_000L) / 1000L) {
        throw new ApiException(
            408,
            "too_slow",
            "the request body arrived slower than "
                + minBytesPerSecond
                + " bytes a second (limits.min-request-rate); send it at once");
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }

  /**
   * At most {@code max} open connections per client address; one more is closed as soon as it is
   * opened. Registered on the server as a bean and attached to its connectors when it starts (as
   * Jetty's own {@code ConnectionLimit} is), which also get the idle timeout.
   */
  static final class PerAddress extends AbstractLifeCycle implements Connection.Listener {
    private final Server server;
    private final int max;
    private final long idleTimeoutMillis;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();
    private volatile long lastWarning;

    PerAddress(Server server, int max, long idleTimeoutMillis) {
      this.server = server;
      this.max = max;
      this.idleTimeoutMillis = idleTimeoutMillis;
    }

    @Override
    protected void doStart() throws Exception {
      for (Connector connector : server.getConnectors()) {
        if (connector instanceof AbstractConnector c) {
          c.setIdleTimeout(idleTimeoutMillis);
          if (max > 0) {
            c.addBean(this, false);
          }
        }
      }
      super.doStart();
    }

    @Override
    public void onOpened(Connection connection) {
      SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
      if (max <= 0 || !(remote instanceof InetSocketAddress inet)) {
        return;
      }
      InetAddress address = inet.getAddress();
      int now = open.merge(address, 1, Integer::sum);
      counted.put(connection, address);
      if (now > max) {
        long time = System.nanoTime();
        if (time - lastWarning > 10_000_000_000L) {
          lastWarning = time;
          LOG.warning(
              "closing connections from "
                  + address.getHostAddress()
                  + ": it holds "
                  + max
                  + " already (limits.connections-per-address)");
        }
        connection.getEndPoint().close();
      }
    }

    @Override
    public void onClosed(Connection connection) {
      InetAddress address = counted.remove(connection);
      if (address != null) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
      }
    }
  }
}
