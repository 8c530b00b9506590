package io.gantry.server;

import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.log.LogStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lines of running runs for their live followers (the SSE endpoint, {@link LogStream}).
 *
 * <p>Each line of a run gets a number, 1, 2, 3, … in the order the run wrote it (all its jobs
 * interleaved), and goes, on the job's thread and without waiting for anyone, to the run's {@link
 * RunLog}: its line journal on disk and its last {@value RunLog#RECENT} lines in memory. One
 * thread, the {@link LogFanOut}, feeds every follower ({@link LogFollower}) from there, each new
 * line encoded once for all of them and written without blocking. A follower that cannot keep up is
 * dropped with the number to resume from; reconnecting with that number ({@code Last-Event-ID}) it
 * reads the lines it has not seen from memory or from the journal, so no follower misses a line and
 * none slows the run.
 */
final class LiveLogs {

  /** The followers one server feeds at once, over all runs; more are refused. */
  static final int MAX_FOLLOWERS = 1000;

  /** How many ended runs are remembered, so a follower arriving late is told at once. */
  private static final int ENDED = 1000;

  /** How many ended runs' journal marks are kept, for followers that come back after the end. */
  private static final int ENDED_MARKS = 64;

  private final LogStore logs;
  private final Map<Long, RunLog> running = new ConcurrentHashMap<>();
  private final Map<Long, String> ended =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
              return size() > ENDED;
            }
          });

  /** Where every {@link RunLog#MARK}-th line starts in the journals of the last ended runs. */
  private final Map<Long, long[]> endedMarks =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
              return size() > ENDED_MARKS;
            }
          });

  private final java.util.concurrent.atomic.AtomicInteger followers =
      new java.util.concurrent.atomic.AtomicInteger();

  private final LogFanOut fanOut = new LogFanOut();

  /** To and from the other servers sharing a PostgreSQL store; null on the embedded store. */
  private volatile LiveLogRelay relay;

  LiveLogs(LogStore logs) {
    this.logs = logs;
  }

  /**
   * Relays lines to, and hears lines of, the other servers sharing the store: a line heard is
   * appended to the run's live log here as if the run were local, so followers of this server get
   * it (numbered in this server's order; resumable from this server).
   */
  void relayThrough(io.gantry.runner.store.Broadcasts broadcasts) {
    relay =
        new LiveLogRelay(
            broadcasts,
            new LiveLogRelay.Receiver() {
              @Override
              public void line(long runId, String formatted) {
                RunLog log = open(runId);
                if (log != null) {
                  log.append(formatted);
                }
              }

              @Override
              public void finished(long runId, String conclusion) {
                endLocally(runId, conclusion);
              }
            });
  }

  /** Stops relaying (the server closes). */
  void stopRelay() {
    LiveLogRelay current = relay;
    if (current != null) {
      current.close();
    }
  }

  /**
   * The live log of a run that has not ended (as far as this server knows), made when its first
   * line or follower arrives; null when it ended.
   */
  RunLog open(long runId) {
    if (ended.containsKey(runId)) {
      return null;
    }
    return running.computeIfAbsent(runId, id -> new RunLog(id, logs.lineJournal(id)));
  }

  /** Tells the followers of a run that it ended (called by {@link RunEvents#ended}). */
  void finished(long runId, String conclusion) {
    LiveLogRelay current = relay;
    if (current != null) {
      current.finished(runId, conclusion);
    }
    endLocally(runId, conclusion);
  }

  private void endLocally(long runId, String conclusion) {
    ended.put(runId, conclusion);
    RunLog log = running.remove(runId);
    if (log != null) {
      log.finish(conclusion);
      endedMarks.put(runId, log.marks());
    }
  }

  /** Where every {@link RunLog#MARK}-th line starts in an ended run's journal; null: unknown. */
  long[] marksOf(long runId) {
    return endedMarks.get(runId);
  }

  /** Hands a follower, its output already non-blocking, to the writer of all followers. */
  void follow(LogFollower follower) {
    fanOut.add(follower);
  }

  /** Wakes the writer of all followers (a connection can take more). */
  void wake() {
    fanOut.wake();
  }

  /** Closes every follower (the server closes). */
  void close() {
    fanOut.close();
  }

  /** Counts a follower in; false when {@link #MAX_FOLLOWERS} are already fed. */
  boolean admit() {
    if (followers.incrementAndGet() > MAX_FOLLOWERS) {
      followers.decrementAndGet();
      return false;
    }
    return true;
  }

  void leave() {
    followers.decrementAndGet();
  }

  /** The listener that passes one run's lines to its followers (its end: {@link RunEvents}). */
  RunListener linesOf(long runId) {
    return new RunListener() {
      private RunLog log;

      @Override
      public void logLine(String jobKey, LogLine line) {
        if (log == null || log.isFinished()) {
          log = open(runId);
          if (log == null) {
            return;
          }
        }
        String formatted = line.format();
        log.append(formatted);
        LiveLogRelay current = relay;
        if (current != null) {
          current.line(runId, formatted);
        }
      }
    };
  }
}
