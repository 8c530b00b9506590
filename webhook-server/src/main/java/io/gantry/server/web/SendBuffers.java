package io.gantry.server.web;

import jakarta.servlet.ServletRequest;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import org.eclipse.jetty.server.Request;

/**
 * The kernel send buffer of a long-lived event stream's connection, capped: left to itself, Linux
 * grows it up to {@code net.ipv4.tcp_wmem}'s maximum (4 MiB by default, more where raised), which a
 * client that stops reading fills before the server's own bounded queue for it counts a byte. With
 * the cap such a client holds at most about twice the value asked (Linux doubles it for its
 * bookkeeping) whatever the machine's settings.
 */
public final class SendBuffers {

  /** What a live stream's connection asks for. */
  public static final int EVENT_STREAM = 256 << 10;

  private SendBuffers() {}

  /** Caps the send buffer of the request's connection at {@code bytes}, when it is TCP. */
  public static void cap(ServletRequest request, int bytes) {
    Request base = Request.getBaseRequest(request);
    if (base != null
        && base.getHttpChannel().getEndPoint().getTransport() instanceof NetworkChannel channel) {
      try {
        channel.setOption(StandardSocketOptions.SO_SNDBUF, bytes);
      } catch (IOException | UnsupportedOperationException e) {
        // Not a TCP socket (or one already closed): its own bounds hold.
      }
    }
  }
}
