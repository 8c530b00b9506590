package io.gantry.server;

import io.javalin.http.sse.SseClient;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One live log follower: one SSE client, written without blocking by the {@link LogFanOut}'s
 * thread, each line as an event {@code log} whose id is the line's number, then {@code end} with
 * the conclusion.
 *
 * <p>It first sends what the client has not seen ({@code after} is the {@code Last-Event-ID} it
 * came back with, 0 for a new one) from the run's memory or its journal on disk, a batch at a time,
 * then attaches to the run and gets the events the fan-out encoded once for all followers. Writes
 * are asynchronous (Servlet non-blocking output): a client that reads slowly leaves its events
 * queued here; once more than {@value #BEHIND_LINES} lines (or {@value #BEHIND_BYTES} bytes) wait,
 * it is detached: it sends what it holds, then an event {@code behind} ("reconnect from line N"),
 * and closes; the client reconnects with {@code Last-Event-ID} and misses nothing. A client that
 * stops reading holds nobody's thread, and at most its connection's capped kernel buffer ({@value
 * #SEND_BUFFER} bytes asked) plus those lines; one catching up holds one batch, until it reads
 * again or the connection's idle timeout ends it.
 *
 * <p>Thread-safety: everything but the write listener's callbacks runs on the fan-out's thread.
 */
final class LogFollower {

  /**
   * Lines waiting for a slow client before it is told it fell behind: one with fewer waiting takes
   * the run's next batch (at most {@link RunLog#RECENT} lines), whatever its size, so that a burst
   * of lines does not drop every follower at once. The bytes waiting are those the run's other
   * followers share: this costs no memory per follower. A follower told so resumes from the line
   * after the last one it was queued, which the run still holds in memory unless it wrote as many
   * lines again meanwhile.
   */
  static final int BEHIND_LINES = RunLog.RECENT;

  /** Bytes waiting for a slow client before it is told it fell behind (as lines, above). */
  static final int BEHIND_BYTES = 8 << 20;

  /**
   * The kernel send buffer of a follower's connection, capped: {@link
   * io.gantry.server.web.SendBuffers}.
   */
  static final int SEND_BUFFER = io.gantry.server.web.SendBuffers.EVENT_STREAM;

  /** Lines read per catch-up batch. */
  static final int BATCH = 500;

  private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(15);

  private static final EventBytes PING = new EventBytes(LogEvents.PING);

  /** Events to write: a part of bytes shared by the followers of a run, or of this one's own. */
  private static final class Piece {
    final byte[] bytes;

    /** The number of the last line in it; -1 when it holds no line. */
    final long lastLine;

    Piece(byte[] bytes, long lastLine) {
      this.bytes = bytes;
      this.lastLine = lastLine;
    }
  }

  /** A run that ended before the follower came: where its lines are, and how it ended. */
  static final class Completed {
    private final Path journal;
    private final List<Path> stepFiles;
    private final String conclusion;
    private final long[] marks;

    /**
     * @param marks where every {@link RunLog#MARK}-th line starts in the journal ({@link
     *     RunLog#marks}); null when not known
     */
    Completed(Path journal, List<Path> stepFiles, String conclusion, long[] marks) {
      this.journal = journal;
      this.stepFiles = stepFiles;
      this.conclusion = conclusion;
      this.marks = marks;
    }

    Path journal() {
      return journal;
    }

    String conclusion() {
      return conclusion;
    }

    boolean hasMarks() {
      return marks != null;
    }

    /** Its lines after {@code after}: from the journal's nearest mark when known. */
    LineFiles open(long after) {
      if (!Files.exists(journal)) {
        return new LineFiles(stepFiles);
      }
      long k = marks == null ? 0 : Math.min(after / RunLog.MARK, marks.length - 1);
      return k <= 0
          ? new LineFiles(List.of(journal))
          : new LineFiles(List.of(journal), k * RunLog.MARK, marks[(int) k]);
    }
  }

  enum State {
    /** Sending lines the run wrote before this follower reached it. */
    CATCHING_UP,
    /** Getting each new line of the run as the fan-out encodes it. */
    ATTACHED,
    /** Its last event is queued: closes once it is written. */
    CLOSING,
    /** Gone. */
    CLOSED
  }

  private final SseClient client;
  private final RunLog log;
  private final Completed completed;
  private final Runnable onExit;
  private final ArrayDeque<Piece> queue = new ArrayDeque<>();

  /** The response's gzip stream, when the client accepts it; null: events as they are. */
  private final GzipStream gzip;

  private ServletOutputStream out;
  private State state = State.CATCHING_UP;
  private volatile Throwable failure;
  private LineFiles files;
  private long sent;

  /** The last line the connection took; the lines after it, handed over or not, are waiting. */
  private long written;

  /** The piece handed to the connection last: taken once it is ready again. */
  private Piece handed;

  private long queuedBytes;
  private boolean unflushed;
  private long lastWrite = System.nanoTime();

  /**
   * @param log the running run's log, or null when the run ended ({@code completed} then)
   * @param after the number of the last line the client has
   * @param onExit called once when the follower stops
   * @param gzip whether the response is a gzip stream (its {@code Content-Encoding} set)
   */
  LogFollower(
      SseClient client,
      RunLog log,
      Completed completed,
      long after,
      Runnable onExit,
      boolean gzip) {
    this.client = client;
    this.log = log;
    this.completed = completed;
    this.sent = after;
    this.onExit = onExit;
    this.gzip = gzip ? new GzipStream() : null;
    if (gzip) {
      queue.add(new Piece(GzipStream.HEADER, -1));
      queuedBytes += GzipStream.HEADER.length;
    }
  }

  /** Switches the response to non-blocking output; {@code wake} is called when it can go on. */
  void open(Runnable wake) throws IOException {
    io.gantry.server.web.SendBuffers.cap(client.ctx().req(), SEND_BUFFER);
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

  RunLog log() {
    return log;
  }

  State state() {
    return state;
  }

  long sent() {
    return sent;
  }

  /** Where an ended run's lines are (null for a running run's follower). */
  Completed completed() {
    return completed;
  }

  /** The run's next events, shared with its other followers; false when this one fell behind. */
  boolean offer(EventBytes events, long firstLine, long lastLine) {
    if (state == State.CATCHING_UP && sent == firstLine - 1) {
      // Caught up to the run's last tick: it gets the lines as they come from here.
      closeFiles();
      state = State.ATTACHED;
    }
    if (state != State.ATTACHED) {
      return true;
    }
    if (sent - written > BEHIND_LINES || queuedBytes > BEHIND_BYTES) {
      last(LogEvents.behind(sent));
      return false;
    }
    queue(events, lastLine);
    return true;
  }

  /** The run ended and this follower has every line: it sends {@code end} and closes. */
  void end(String conclusion) {
    if (state == State.CATCHING_UP || state == State.ATTACHED) {
      last(LogEvents.end(conclusion));
    }
  }

  /** A follower that lost its place in the run's memory reads on from the journal. */
  void detach() {
    if (state == State.ATTACHED) {
      state = State.CATCHING_UP;
    }
  }

  /**
   * Catches up by one batch when everything queued is written: from the run's memory, or its
   * journal, up to line {@code head} (the last the fan-out encoded for the attached followers),
   * then attaches, or ends when the run ended with {@code head}. A follower of an ended run reads
   * its files to the end. True when it queued a batch. Whole batches of a running run come from, or
   * go to, {@code shared} (null: none).
   */
  boolean catchUp(long head, String ended, SharedBatches shared) throws IOException {
    if (state != State.CATCHING_UP) {
      return false;
    }
    if (log != null && sent >= head) {
      closeFiles();
      if (ended != null) {
        last(LogEvents.end(ended));
      } else {
        state = State.ATTACHED;
      }
      return false;
    }
    if (!queue.isEmpty()) {
      // One batch at a time: a client that reads slowly, or not at all, holds at most one (and the
      // one its connection has), until it reads or the connection's idle timeout ends it. Telling
      // it that it fell behind would gain nothing: it would resume from where it is.
      return false;
    }
    // Up to the next multiple of BATCH: from there on, whole batches shared with the others.
    long upTo = (sent / BATCH + 1) * BATCH;
    if (log != null) {
      upTo = Math.min(head, upTo);
    }
    boolean whole = shared != null && sent % BATCH == 0 && upTo - sent == BATCH;
    if (whole) {
      EventBytes known = shared.get(sent / BATCH);
      if (known != null) {
        queue(known, upTo);
        return true;
      }
    }
    long first = sent;
    LogEvents events = new LogEvents((int) (upTo - sent) * 160);
    if (log == null) {
      if (files != null && files.number() + BATCH <= sent && completed.hasMarks()) {
        // Its other batches came shared: on from the journal's nearest mark instead.
        closeFiles();
      }
      if (files == null) {
        files = completed.open(sent);
      }
      boolean more = files.read(sent, upTo, BATCH, events);
      int count = events.lines();
      if (count > 0) {
        EventBytes encoded = new EventBytes(events.take());
        if (whole && count == BATCH) {
          shared.put(first / BATCH, encoded);
        }
        queue(encoded, files.number());
      }
      if (!more) {
        last(LogEvents.end(completed.conclusion()));
      }
      return true;
    }
    RunLog.Slice slice = log.since(sent, (int) (upTo - sent));
    if (!slice.lines().isEmpty()) {
      closeFiles();
      long number = sent;
      for (String line : slice.lines()) {
        events.log(++number, line);
      }
    } else if (slice.journalProblem() != null) {
      throw new IOException(slice.journalProblem());
    } else {
      if (files != null && files.number() + BATCH <= sent) {
        // Its others batches came shared: on from the journal's nearest mark instead.
        closeFiles();
      }
      if (files == null) {
        long[] mark = log.mark(sent);
        files = new LineFiles(List.of(log.journal()), mark[0], mark[1]);
      }
      files.read(sent, upTo, BATCH, events);
      if (events.isEmpty()) {
        throw new IOException("cannot read line " + (sent + 1) + " of " + log.journal());
      }
    }
    int count = events.lines();
    EventBytes encoded = new EventBytes(events.take());
    if (whole && count == BATCH) {
      shared.put(first / BATCH, encoded);
    }
    queue(encoded, first + count);
    return true;
  }

  /**
   * Writes what is queued while the connection takes it without blocking; false once the follower
   * is closed (then it must be forgotten).
   */
  boolean pump() {
    if (state == State.CLOSED) {
      return false;
    }
    if (failure != null) {
      close();
      return false;
    }
    try {
      while (out.isReady()) {
        if (handed != null) {
          if (handed.lastLine > 0) {
            written = handed.lastLine;
          }
          queuedBytes -= handed.bytes.length;
          handed = null;
        }
        Piece piece = queue.poll();
        if (piece == null) {
          if (unflushed) {
            unflushed = false;
            out.flush();
            continue;
          }
          if (state == State.CLOSING) {
            close();
            return false;
          }
          if (System.nanoTime() - lastWrite > PING_NANOS) {
            // Keeps the connection from the idle timeout, and finds a client that left.
            queue(PING, -1);
            continue;
          }
          return true;
        }
        handed = piece;
        out.write(piece.bytes);
        unflushed = true;
        lastWrite = System.nanoTime();
      }
      return true;
    } catch (IOException | RuntimeException e) {
      // The client went away (or its connection broke); nothing to tell it.
      close();
      return false;
    }
  }

  /** Stops at once (the server closes, or the fan-out failed on this follower). */
  void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    queue.clear();
    closeFiles();
    try {
      client.close();
    } finally {
      onExit.run();
    }
  }

  private void queue(EventBytes events, long lastLine) {
    byte[] bytes = gzip == null ? events.plain() : gzip.next(events);
    queue.add(new Piece(bytes, lastLine));
    queuedBytes += bytes.length;
    if (lastLine > sent) {
      sent = lastLine;
    }
  }

  private void last(byte[] event) {
    queue(new EventBytes(event), -1);
    if (gzip != null) {
      byte[] trailer = gzip.trailer();
      queue.add(new Piece(trailer, -1));
      queuedBytes += trailer.length;
    }
    state = State.CLOSING;
    closeFiles();
  }

  private void closeFiles() {
    if (files != null) {
      try {
        files.close();
      } catch (IOException e) {
        // Only read; nothing lost.
      }
      files = null;
    }
  }
}
