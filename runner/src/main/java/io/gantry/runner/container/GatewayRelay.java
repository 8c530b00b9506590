package io.gantry.runner.container;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Makes a service of the host that listens on 127.0.0.1 (the cache service) reachable from the
 * containers of one job network: listens on the network's gateway address (the host's side of the
 * job's bridge, which only that network's containers and the host reach; Podman names it {@code
 * host.containers.internal} inside them) and copies each connection's bytes to and from the
 * service. The service itself stays on loopback; the relay lives as long as the job's network.
 *
 * <p>Bounded: at most {@link #MAX_CONNECTIONS} connections at once (more are closed at once, and
 * HTTP clients retry); two daemon threads per connection. {@link #close} ends every connection.
 */
final class GatewayRelay implements AutoCloseable {

  static final int MAX_CONNECTIONS = 32;

  private final ServerSocket server;
  private final int target;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private GatewayRelay(ServerSocket server, int target) {
    this.server = server;
    this.target = target;
  }

  /** Listens on {@code gateway} (a free port) for connections to 127.0.0.1:{@code targetPort}. */
  static GatewayRelay open(InetAddress gateway, int targetPort) throws IOException {
    ServerSocket server = new ServerSocket();
    try {
      server.bind(new InetSocketAddress(gateway, 0), 64);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    GatewayRelay relay = new GatewayRelay(server, targetPort);
    Thread accept = new Thread(relay::acceptLoop, "gateway-relay-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
    return relay;
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (!slots.tryAcquire()) {
        quietly(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 10_000);
      } catch (IOException e) {
        quietly(client);
        quietly(upstream);
        slots.release();
        continue;
      }
      open.add(client);
      open.add(upstream);
      Thread up = pump(client, upstream, null);
      pump(upstream, client, up);
    }
  }

  /**
   * Copies {@code from} to {@code to}; the second pump of a pair ({@code other} its partner) closes
   * both sockets and frees the slot once both directions ended.
   */
  private Thread pump(Socket from, Socket to, Thread other) {
    Thread t =
        new Thread(
            () -> {
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
                to.shutdownOutput();
              } catch (IOException e) {
                quietly(to);
              } finally {
                if (other != null) {
                  try {
                    other.join();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  quietly(from);
                  quietly(to);
                  open.remove(from);
                  open.remove(to);
                  slots.release();
                }
              }
            },
            "gateway-relay-" + server.getLocalPort() + "-pump");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    for (Socket s : open) {
      quietly(s);
    }
  }

  private static void quietly(Socket socket) {
    try {
      socket.close();
    } catch (SocketException e) {
      // already closed
    } catch (IOException e) {
      // closing anyway
    }
  }
}
