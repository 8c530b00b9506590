package io.gantry.server;

import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fans the lines of running runs out to live subscribers (the SSE endpoint), and tells them when a
 * run ends. Lines reach this listener after they are written to the log file, but a running step's
 * file is buffered: its last lines may not be readable yet. So the last {@value #RECENT} lines of
 * each running run are kept here too ({@link #recent}); a subscriber reads the file, then these,
 * then the live lines, skipping those it already read, and misses nothing.
 */
final class LiveLogs {

  /** One subscriber; called on job threads, so implementations must be thread-safe. */
  interface Subscriber {
    void line(String formatted);

    void finished(String conclusion);
  }

  static final int RECENT = 10_000;

  private final Map<Long, List<Subscriber>> subscribers = new ConcurrentHashMap<>();
  private final Map<Long, java.util.ArrayDeque<String>> recent = new ConcurrentHashMap<>();

  /** To and from the other servers sharing a PostgreSQL store; null on the embedded store. */
  private volatile LiveLogRelay relay;

  /** Relays lines to, and hears lines of, the other servers sharing the store. */
  void relayThrough(io.gantry.runner.store.Broadcasts broadcasts) {
    relay =
        new LiveLogRelay(
            broadcasts,
            new LiveLogRelay.Receiver() {
              @Override
              public void line(long runId, String formatted) {
                List<Subscriber> list = subscribers.get(runId);
                if (list != null) {
                  list.forEach(s -> s.line(formatted));
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

  /** The last lines of a running run, oldest first; empty once it ended. */
  List<String> recent(long runId) {
    java.util.ArrayDeque<String> lines = recent.get(runId);
    if (lines == null) {
      return List.of();
    }
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  void subscribe(long runId, Subscriber subscriber) {
    subscribers.computeIfAbsent(runId, id -> new CopyOnWriteArrayList<>()).add(subscriber);
  }

  void unsubscribe(long runId, Subscriber subscriber) {
    List<Subscriber> list = subscribers.get(runId);
    if (list != null) {
      list.remove(subscriber);
    }
  }

  /** Tells the subscribers of a run that it ended (called by {@link RunEvents#ended}). */
  void finished(long runId, String conclusion) {
    LiveLogRelay current = relay;
    if (current != null) {
      current.finished(runId, conclusion);
    }
    endLocally(runId, conclusion);
  }

  private void endLocally(long runId, String conclusion) {
    recent.remove(runId);
    List<Subscriber> list = subscribers.remove(runId);
    if (list != null) {
      list.forEach(s -> s.finished(conclusion));
    }
  }

  /** The listener that passes one run's lines to its followers (its end: {@link RunEvents}). */
  RunListener linesOf(long runId) {
    return new RunListener() {
      @Override
      public void logLine(String jobKey, LogLine line) {
        String formatted = line.format();
        java.util.ArrayDeque<String> lines =
            recent.computeIfAbsent(runId, id -> new java.util.ArrayDeque<>());
        synchronized (lines) {
          if (lines.size() == RECENT) {
            lines.removeFirst();
          }
          lines.addLast(formatted);
        }
        List<Subscriber> list = subscribers.get(runId);
        if (list != null) {
          list.forEach(s -> s.line(formatted));
        }
        LiveLogRelay current = relay;
        if (current != null) {
          current.line(runId, formatted);
        }
      }
    };
  }
}
