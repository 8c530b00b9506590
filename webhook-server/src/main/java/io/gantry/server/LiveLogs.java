package io.gantry.server;

import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fans the lines of running runs out to live subscribers (the SSE endpoint), and tells them when
 * a run ends. Lines reach this listener after they are in the log file, so a subscriber that reads
 * the backlog after subscribing misses nothing; it skips the live lines it already read.
 */
final class LiveLogs {

  /** One subscriber; called on job threads, so implementations must be thread-safe. */
  interface Subscriber {
    void line(String formatted);

    void finished(String conclusion);
  }

  private final Map<Long, List<Subscriber>> subscribers = new ConcurrentHashMap<>();

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
        List<Subscriber> list = subscribers.get(runId);
        if (list != null) {
          String formatted = line.format();
          list.forEach(s -> s.line(formatted));
        }
      }
    };
  }
}
