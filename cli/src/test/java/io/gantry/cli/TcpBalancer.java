package io.gantry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load balancer for the tests, as a user puts one in front of several servers: each connection on
 * 127.0.0.1 goes to the next backend in turn, skipping one that refuses connections (a killed
 * server), and the bytes are copied both ways until either side closes. Plain TCP: it knows nothing
 * of HTTP, so a keep-alive connection stays with its backend, and dies with it.
 */
final class TcpBalancer implements AutoCloseable {

  private final List<Integer> backends;
  private final ServerSocket socket;
  private final AtomicInteger next = new AtomicInteger();
  private final Thread acceptor;

  TcpBalancer(List<Integer> backends) throws IOException {
    this.backends = List.copyOf(backends);
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "tcp-balancer");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  private void accept() {
    while (!socket.isClosed()) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException closed) {
        return;
      }
      Socket backend = connect();
      if (backend == null) {
        closeQuietly(client);
        continue;
      }
      pump(client, backend);
      pump(backend, client);
    }
  }

  private Socket connect() {
    for (int i = 0; i < backends.size(); i++) {
      int port = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
      Socket backend = new Socket();
      try {
        backend.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        return backend;
      } catch (IOException refused) {
        closeQuietly(backend);
      }
    }
    return null;
  }

  private static void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException ended) {
                // Either side went away: both close below.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "tcp-balancer-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
