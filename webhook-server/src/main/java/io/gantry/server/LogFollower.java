package io.gantry.server;

import io.javalin.http.sse.SseClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One live log follower: a thread of its own that writes the run's lines to one SSE client, each as
 * an event {@code log} whose id is the line's number, and then {@code end} with the conclusion.
 *
 * <p>It first sends what the client has not seen ({@code after} is the {@code Last-Event-ID} it
 * came back with, 0 for a new one) from the run's memory or its journal on disk, then attaches to
 * the run and gets new lines in a buffer of {@value #BUFFER} lines that the run's threads fill
 * without waiting. When the buffer is full the follower is detached: it sends what it holds, then
 * an event {@code behind} ("reconnect from line N"), and closes; the client reconnects with {@code
 * Last-Event-ID} and misses nothing. A client that stops reading blocks only this thread, until the
 * connection's idle timeout ends it.
 */
final class LogFollower implements Runnable {

  static final int BUFFER = 2_000;
  private static final int BATCH = 500;
  private static final long LINGER_MILLIS = 20;
  private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(15);

  private record Entry(long number, String line) {}

  private final SseClient client;
  private final RunLog log;
  private final Completed completed;
  private final Runnable onExit;
  private final ArrayBlockingQueue<Entry> buffer = new ArrayBlockingQueue<>(BUFFER);
  private volatile long behindFrom;
  private volatile String conclusion;
  private long sent;
  private OutputStream out;

  /** A run that ended before the follower came: where its lines are, and how it ended. */
  record Completed(Path journal, List<Path> stepFiles, String conclusion) {}

  /**
   * @param log the running run's log, or null when the run ended ({@code completed} then)
   * @param after the number of the last line the client has
   * @param onExit called once when the follower stops
   */
  LogFollower(SseClient client, RunLog log, Completed completed, long after, Runnable onExit) {
    this.client = client;
    this.log = log;
    this.completed = completed;
    this.sent = after;
    this.onExit = onExit;
  }

  void start(long runId) {
    Thread thread = new Thread(this, "gantry-log-follower-" + runId);
    thread.setDaemon(true);
    thread.start();
  }

  /** Called by the run under its lock: false when the buffer is full (the follower is detached). */
  boolean offer(long number, String line) {
    if (behindFrom > 0) {
      return false;
    }
    if (!buffer.offer(new Entry(number, line))) {
      behindFrom = number;
      return false;
    }
    return true;
  }

  /** Called by the run under its lock once the run ended; the buffered lines are sent first. */
  void end(String conclusion) {
    this.conclusion = conclusion;
  }

  @Override
  public void run() {
    try {
      out = client.ctx().res().getOutputStream();
      if (log == null) {
        sendCompleted();
      } else {
        catchUp();
        follow();
      }
    } catch (IOException e) {
      // The client went away; nothing to tell it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (log != null) {
        log.detach(this);
      }
      client.close();
      onExit.run();
    }
  }

  private void catchUp() throws IOException {
    while (true) {
      RunLog.Next next = log.next(sent, BATCH, this);
      if (next.upToDate()) {
        return;
      }
      if (!next.lines().isEmpty()) {
        StringBuilder events = new StringBuilder();
        for (String line : next.lines()) {
          appendLog(events, ++sent, line);
        }
        write(events);
      } else if (next.problem() != null) {
        throw new IOException(next.problem());
      } else {
        sendJournal(log.journal(), next.journalUpTo());
      }
    }
  }

  private void follow() throws IOException, InterruptedException {
    long idleSince = System.nanoTime();
    List<Entry> batch = new ArrayList<>(BATCH);
    while (true) {
      Entry first = buffer.poll(200, TimeUnit.MILLISECONDS);
      if (first != null) {
        // Lines come in bursts: a moment's wait sends a burst in one write instead of many.
        if (buffer.size() < BATCH) {
          Thread.sleep(LINGER_MILLIS);
        }
        batch.add(first);
        buffer.drainTo(batch, BATCH - 1);
        StringBuilder events = new StringBuilder();
        for (Entry entry : batch) {
          sent = entry.number();
          appendLog(events, entry.number(), entry.line());
        }
        batch.clear();
        write(events);
        idleSince = System.nanoTime();
        continue;
      }
      // The flags are set after the lines they follow were buffered: an empty buffer seen after
      // a flag holds nothing more.
      if (behindFrom > 0 && buffer.isEmpty()) {
        write(
            new StringBuilder("id: ")
                .append(sent)
                .append("\nevent: behind\ndata: you fell behind; reconnect from line ")
                .append(sent + 1)
                .append("\n\n"));
        return;
      }
      if (conclusion != null && buffer.isEmpty()) {
        write(new StringBuilder("event: end\ndata: ").append(conclusion).append("\n\n"));
        return;
      }
      if (System.nanoTime() - idleSince > PING_NANOS) {
        // Keeps the connection from the idle timeout, and finds a client that left.
        write(new StringBuilder(": ping\n\n"));
        idleSince = System.nanoTime();
      }
    }
  }

  private void sendCompleted() throws IOException {
    if (Files.exists(completed.journal())) {
      sendJournal(completed.journal(), Long.MAX_VALUE);
    } else {
      // A run that ended without running (invalid workflow, cancelled while queued): its files.
      long number = 0;
      for (Path file : completed.stepFiles()) {
        number = sendLines(file, number, Long.MAX_VALUE);
      }
    }
    write(new StringBuilder("event: end\ndata: ").append(completed.conclusion()).append("\n\n"));
  }

  /** Sends the journal's lines after {@link #sent} up to line {@code upTo}. */
  private void sendJournal(Path journal, long upTo) throws IOException {
    sendLines(journal, 0, upTo);
  }

  /**
   * Sends the lines of a file numbered from {@code numberBefore + 1}, those after {@link #sent} and
   * up to {@code upTo}; returns the number of the file's last line. Lines end at '\n' only.
   */
  private long sendLines(Path file, long numberBefore, long upTo) throws IOException {
    long number = numberBefore;
    StringBuilder events = new StringBuilder();
    int pending = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 65536)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream(256);
      int b;
      while (number < upTo && (b = in.read()) >= 0) {
        if (b != '\n') {
          if (number >= sent) {
            line.write(b);
          }
          continue;
        }
        number++;
        if (number > sent) {
          appendLog(events, number, line.toString(StandardCharsets.UTF_8));
          sent = number;
          line.reset();
          if (++pending == BATCH) {
            write(events);
            events.setLength(0);
            pending = 0;
          }
        }
      }
    }
    if (pending > 0) {
      write(events);
    }
    return number;
  }

  private static void appendLog(StringBuilder events, long number, String line) {
    events.append("id: ").append(number).append("\nevent: log\ndata: ");
    // A carriage return ends an SSE line: the client gets it back as a line break.
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\r') {
        events.append("\ndata: ");
      } else {
        events.append(c);
      }
    }
    events.append("\n\n");
  }

  private void write(StringBuilder events) throws IOException {
    out.write(events.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
