package io.gantry.server;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that writes every live log follower ({@link LogFollower}) of the server.
 *
 * <p>Every tick ({@value #TICK_MILLIS} ms, longer when many follow: {@link #tickMillis}), for each
 * running run that has followers, it takes the lines the run wrote since the last tick from its
 * {@link RunLog} (a copy of references under the run's lock: the run's own thread never waits for a
 * follower, nor does any work per follower), encodes them once into SSE bytes, and queues those
 * bytes, shared, to every follower of the run that is up to date; then it writes each follower what
 * the connection takes without blocking (one write per follower per tick in the steady state). A
 * follower that is not up to date catches up a batch at a time from the run's memory or journal,
 * each whole batch encoded once and shared by the run's followers ({@link SharedBatches}; those of
 * an ended run too), a batch per follower per pass so that the ticks keep their pace; an attached
 * one whose client does not read is dropped with {@code behind} once its queue is full. Woken early
 * when a connection can take more; asleep when nobody follows anything. It runs at a lower CPU
 * priority than the runs ({@link Niceness}): when the machine is busy, the followers fall behind,
 * never the run.
 */
final class LogFanOut {

  /**
   * How often new lines are sent, at least: a burst of lines goes out as one write per follower.
   */
  static final long TICK_MILLIS = 25;

  /**
   * How often new lines are sent, at most: with many followers, the tick grows by {@value
   * #TICK_PER_FOLLOWER_MICROS} µs per follower up to this, so that each writes fewer, larger pieces
   * (a write costs the server about as much as a few kilobytes of it), and the thread that writes
   * them takes less of the machine from the runs.
   */
  static final long MAX_TICK_MILLIS = 250;

  static final long TICK_PER_FOLLOWER_MICROS = 2500;

  /**
   * Catch-up batches a follower may queue per pass: one, so that a hundred followers catching up at
   * once cannot hold up the next tick (a tick delayed makes a larger batch for everyone); the
   * thread passes again at once while some caught up.
   */
  private static final int BATCHES_PER_PASS = 1;

  private static final Logger LOG = Logger.getLogger(LogFanOut.class.getName());

  /** What the fan-out knows of one running run with followers. */
  private static final class Feed {
    final List<LogFollower> followers = new ArrayList<>();

    /** The last line encoded for the attached followers. */
    long head = -1;

    /** The conclusion, once every line of the ended run was encoded. */
    String ended;

    /** Catch-up batches, encoded once for the followers that are not up to date. */
    final SharedBatches batches = new SharedBatches();

    /** The run's journal, read when more lines came in one tick than its memory holds. */
    LineFiles journal;
  }

  private final ConcurrentLinkedQueue<LogFollower> arriving = new ConcurrentLinkedQueue<>();
  private final IdentityHashMap<RunLog, Feed> feeds = new IdentityHashMap<>();
  private final List<LogFollower> ofEndedRuns = new ArrayList<>();

  /** The shared catch-up batches of ended runs with followers, by journal. */
  private final java.util.Map<java.nio.file.Path, SharedBatches> endedBatches =
      new java.util.HashMap<>();

  private final Thread thread;
  private volatile boolean running = true;

  LogFanOut() {
    thread = new Thread(this::loop, "gantry-live-log-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Takes a follower over (its response already non-blocking); it is served from the next pass. */
  void add(LogFollower follower) {
    arriving.add(follower);
    wake();
  }

  /** Makes the thread pass once more now (a connection can take more, a follower came). */
  void wake() {
    LockSupport.unpark(thread);
  }

  /** Closes every follower and stops (the server closes). */
  void close() {
    running = false;
    wake();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    // Followers can wait (they catch up); the runs cannot: when both want the CPU, the runs win.
    Niceness.lowerCurrentThread();
    long nextTick = 0;
    boolean busy = false;
    while (running) {
      try {
        arrive();
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          feeds.forEach(this::advance);
          nextTick = now + TimeUnit.MILLISECONDS.toNanos(tickMillis(following()));
        }
        busy = pass();
      } catch (RuntimeException e) {
        // A bug here must not stop every live log; the follower at fault was closed in pass().
        LOG.log(Level.WARNING, "live log writer: " + e.getMessage(), e);
      }
      if (busy) {
        // Followers are catching up: on with them, without waiting for the next tick.
        busy = false;
      } else if (feeds.isEmpty() && ofEndedRuns.isEmpty()) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, Math.max(0, nextTick - System.nanoTime()));
      }
    }
    arrive();
    feeds.values().forEach(feed -> feed.followers.forEach(LogFollower::close));
    ofEndedRuns.forEach(LogFollower::close);
    feeds.clear();
    ofEndedRuns.clear();
  }

  /** The tick with {@code followers} followers of running runs. */
  static long tickMillis(int followers) {
    return Math.max(
        TICK_MILLIS, Math.min(MAX_TICK_MILLIS, followers * TICK_PER_FOLLOWER_MICROS / 1000));
  }

  /** The followers of running runs. */
  private int following() {
    int count = 0;
    for (Feed feed : feeds.values()) {
      count += feed.followers.size();
    }
    return count;
  }

  private void arrive() {
    LogFollower follower;
    while ((follower = arriving.poll()) != null) {
      if (follower.log() == null) {
        ofEndedRuns.add(follower);
        continue;
      }
      Feed feed = feeds.get(follower.log());
      if (feed == null) {
        feed = new Feed();
        feeds.put(follower.log(), feed);
        try {
          feed.head = follower.log().since(Long.MAX_VALUE, 0).count();
        } catch (RuntimeException e) {
          LOG.log(
              Level.WARNING, "live log of run " + follower.log().runId() + ": " + e.getMessage());
          follower.close();
          feeds.remove(follower.log());
          continue;
        }
      }
      feed.followers.add(follower);
    }
  }

  /** Encodes what the run wrote since the last tick, once, for its attached followers. */
  private void advance(RunLog log, Feed feed) {
    if (feed.ended != null) {
      return;
    }
    RunLog.Slice slice;
    try {
      slice = log.since(feed.head, RunLog.RECENT);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "live log of run " + log.runId() + ": " + e.getMessage());
      feed.followers.forEach(LogFollower::close);
      return;
    }
    if (slice.lines().isEmpty() && feed.head < slice.count()) {
      // More lines came in one tick than memory holds: those no longer there are read from the
      // journal, once for all the attached followers.
      if (feed.journal == null) {
        long[] mark = log.mark(feed.head);
        feed.journal = new LineFiles(List.of(log.journal()), mark[0], mark[1]);
      }
      LogEvents events = new LogEvents(RunLog.RECENT * 96);
      long first = feed.head + 1;
      try {
        feed.journal.read(feed.head, slice.oldest() - 1, RunLog.RECENT, events);
      } catch (java.io.IOException e) {
        LOG.log(Level.WARNING, "live log of run " + log.runId() + ": " + e.getMessage());
      }
      if (events.isEmpty()) {
        // The journal cannot be read: each attached follower tries on its own.
        feed.followers.forEach(LogFollower::detach);
        feed.head = slice.count();
      } else {
        feed.head = feed.journal.number();
        EventBytes shared = new EventBytes(events.take());
        for (LogFollower follower : feed.followers) {
          follower.offer(shared, first, feed.head);
        }
      }
      return;
    } else if (!slice.lines().isEmpty()) {
      LogEvents events = new LogEvents(slice.lines().size() * 96);
      long first = feed.head + 1;
      for (String line : slice.lines()) {
        events.log(++feed.head, line);
      }
      EventBytes shared = new EventBytes(events.take());
      for (LogFollower follower : feed.followers) {
        follower.offer(shared, first, feed.head);
      }
    }
    if (slice.conclusion() != null && feed.head >= slice.count()) {
      feed.ended = slice.conclusion();
      for (LogFollower follower : feed.followers) {
        if (follower.state() == LogFollower.State.ATTACHED) {
          follower.end(feed.ended);
        }
      }
    }
  }

  /**
   * Catches up and writes every follower as far as its connection takes without blocking; true when
   * some caught up by a batch (and may take more at once).
   */
  private boolean pass() {
    boolean busy = false;
    for (Iterator<Feed> feedIt = feeds.values().iterator(); feedIt.hasNext(); ) {
      Feed feed = feedIt.next();
      busy |= serve(feed.followers, feed);
      if (feed.followers.isEmpty()) {
        feedIt.remove();
        if (feed.journal != null) {
          try {
            feed.journal.close();
          } catch (java.io.IOException e) {
            // Only read; nothing lost.
          }
        }
      }
    }
    busy |= serveEnded();
    return busy;
  }

  /** The followers of ended runs, those of one run sharing its batches. */
  private boolean serveEnded() {
    if (ofEndedRuns.isEmpty()) {
      endedBatches.clear();
      return false;
    }
    boolean busy = false;
    boolean left = false;
    for (Iterator<LogFollower> it = ofEndedRuns.iterator(); it.hasNext(); ) {
      LogFollower follower = it.next();
      SharedBatches shared =
          endedBatches.computeIfAbsent(
              follower.completed().journal(), journal -> new SharedBatches());
      boolean[] caughtUp = new boolean[1];
      if (!serveOne(follower, 0, null, shared, caughtUp)) {
        it.remove();
        left = true;
      }
      busy |= caughtUp[0];
    }
    if (left) {
      // The batches of a run nobody follows any more go at once.
      java.util.Set<java.nio.file.Path> wanted = new java.util.HashSet<>();
      ofEndedRuns.forEach(f -> wanted.add(f.completed().journal()));
      endedBatches.keySet().retainAll(wanted);
    }
    return busy;
  }

  private static boolean serve(List<LogFollower> followers, Feed feed) {
    boolean busy = false;
    boolean[] caughtUp = new boolean[1];
    for (Iterator<LogFollower> it = followers.iterator(); it.hasNext(); ) {
      caughtUp[0] = false;
      if (!serveOne(it.next(), feed.head, feed.ended, feed.batches, caughtUp)) {
        it.remove();
      }
      busy |= caughtUp[0];
    }
    return busy;
  }

  /**
   * Writes one follower what its connection takes, and catches it up by a batch; false once it is
   * closed. {@code caughtUp[0]} is set when it queued a batch.
   */
  private static boolean serveOne(
      LogFollower follower, long head, String ended, SharedBatches shared, boolean[] caughtUp) {
    try {
      boolean open = follower.pump();
      for (int i = 0;
          open && i < BATCHES_PER_PASS && follower.state() == LogFollower.State.CATCHING_UP;
          i++) {
        caughtUp[0] |= follower.catchUp(head, ended, shared);
        open = follower.pump();
      }
      return open;
    } catch (java.io.IOException | RuntimeException e) {
      LOG.log(Level.FINE, "live log follower closed: " + e.getMessage(), e);
      follower.close();
      return false;
    }
  }
}
