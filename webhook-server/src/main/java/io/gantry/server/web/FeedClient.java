package io.gantry.server.web;

import io.javalin.http.sse.SseClient;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One browser of the live runs list, written without blocking by {@link RunFeed}'s one thread: its
 * events wait in a queue of at most {@value #MAX_QUEUED} bytes, written as its connection takes
 * them (and its connection's kernel send buffer is capped: {@link SendBuffers}). A browser that
 * does not read holds no thread; once its queue is full it is closed (it reloads the rows when it
 * reconnects).
 *
 * <p>Thread-safety: {@link #send} and {@link #pump} run on the feed's thread only.
 */
final class FeedClient {

  static final int MAX_QUEUED = 1 << 20;

  private final SseClient client;
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private ServletOutputStream out;
  private volatile Throwable failure;
  private int queued;
  private boolean unflushed;
  private boolean closed;

  FeedClient(SseClient client) {
    this.client = client;
  }

  /** Switches the response to non-blocking output; {@code wake} runs when it can take more. */
  void open(Runnable wake) throws IOException {
    SendBuffers.cap(client.ctx().req(), SendBuffers.EVENT_STREAM);
    out = client.ctx().res().getOutputStream();
    out.setWriteListener(
        new WriteListener() {
          @Override
          public void onWritePossible() {
            wake.run();
          }

          @Override
          public void onError(Throwable t) {
            failure = t;
            wake.run();
          }
        });
  }

  /** Queues one event; false (and closed) when the browser has not taken what it was sent. */
  boolean send(String event, String data) {
    if (closed) {
      return false;
    }
    StringBuilder text = new StringBuilder("event: ").append(event).append('\n');
    for (String line : data.split("\n", -1)) {
      text.append("data: ").append(line).append('\n');
    }
    byte[] bytes = text.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    if (queued + bytes.length > MAX_QUEUED) {
      close();
      return false;
    }
    queue.add(bytes);
    queued += bytes.length;
    return pump();
  }

  /** Writes what the connection takes without blocking; false once closed. */
  boolean pump() {
    if (closed) {
      return false;
    }
    if (failure != null) {
      close();
      return false;
    }
    try {
      while (out.isReady()) {
        byte[] next = queue.poll();
        if (next == null) {
          if (unflushed) {
            unflushed = false;
            out.flush();
            continue;
          }
          return true;
        }
        queued -= next.length;
        out.write(next);
        unflushed = true;
      }
      return true;
    } catch (IOException | RuntimeException e) {
      close();
      return false;
    }
  }

  boolean isClosed() {
    return closed;
  }

  void close() {
    if (!closed) {
      closed = true;
      queue.clear();
      client.close();
    }
  }
}
