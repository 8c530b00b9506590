package io.gantry.server;

import io.gantry.runner.store.Broadcasts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Carries live log lines and run ends between the servers sharing a PostgreSQL store, so that a
 * browser following a run on one server sees the lines of a run another server executes. Lines are
 * queued (bounded: a full queue drops lines, counted and logged, rather than slowing a step) and
 * sent in batches of one transaction by one thread; each message names its origin, so a server
 * ignores its own.
 */
final class LiveLogRelay implements AutoCloseable {

  /** Where lines from the other servers go. */
  interface Receiver {
    void line(long runId, String formatted);

    void finished(long runId, String conclusion);
  }

  static final String CHANNEL = "gantry_live_logs";
  private static final Logger LOG = Logger.getLogger(LiveLogRelay.class.getName());
  private static final int QUEUE = 10_000;
  private static final int BATCH = 200;

  private final Broadcasts broadcasts;
  private final String origin = UUID.randomUUID().toString();
  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final Thread sender;
  private volatile boolean running = true;

  LiveLogRelay(Broadcasts broadcasts, Receiver receiver) {
    this.broadcasts = broadcasts;
    broadcasts.listen(CHANNEL, message -> receive(message, receiver));
    this.sender = new Thread(this::send, "gantry-live-log-relay");
    sender.setDaemon(true);
    sender.start();
  }

  void line(long runId, String formatted) {
    offer(runId, 'L', formatted);
  }

  void finished(long runId, String conclusion) {
    offer(runId, 'E', conclusion);
  }

  private void offer(long runId, char kind, String text) {
    String message = origin + '\t' + runId + '\t' + kind + '\t' + text;
    // A line longer than a message can carry is cut (at a character, not inside one).
    while (message.getBytes(StandardCharsets.UTF_8).length > Broadcasts.MAX_MESSAGE_BYTES) {
      message = message.substring(0, message.length() - Math.max(1, message.length() / 10));
      if (Character.isHighSurrogate(message.charAt(message.length() - 1))) {
        message = message.substring(0, message.length() - 1);
      }
    }
    if (!queue.offer(message)) {
      dropped.incrementAndGet();
    }
  }

  private void receive(String message, Receiver receiver) {
    String[] parts = message.split("\t", 4);
    if (parts.length != 4 || parts[0].equals(origin)) {
      return;
    }
    long runId;
    try {
      runId = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return;
    }
    if (parts[2].equals("L")) {
      receiver.line(runId, parts[3]);
    } else if (parts[2].equals("E")) {
      receiver.finished(runId, parts[3]);
    }
  }

  private void send() {
    List<String> batch = new ArrayList<>(BATCH);
    while (running || !queue.isEmpty()) {
      try {
        String first = queue.poll(250, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        broadcasts.send(CHANNEL, batch);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        dropped.addAndGet(batch.size());
        LOG.log(Level.WARNING, "live log lines not relayed to other servers: " + e.getMessage());
      } finally {
        batch.clear();
      }
      long lost = dropped.getAndSet(0);
      if (lost > 0) {
        LOG.log(Level.WARNING, lost + " live log lines not relayed to other servers");
      }
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      sender.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
  }
}
