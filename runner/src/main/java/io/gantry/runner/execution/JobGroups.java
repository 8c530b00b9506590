package io.gantry.runner.execution;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Job-level {@code concurrency:} groups, shared by every run of one executor, as GitHub applies
 * them: in a group (per repository, names compared without case) at most one job runs and one
 * waits. A job that finds its group busy waits; a job that comes to wait after it cancels the one
 * waiting before it (GitHub's default, {@code queue: single}); with {@code cancel-in-progress} it
 * also cancels the job that runs. Thread-safe; a waiting job blocks its own thread.
 */
final class JobGroups {

  /** How often a waiting job looks whether its run was cancelled meanwhile. */
  private static final long POLL_MILLIS = 200;

  /** A job instance in a group; {@code cancel} is the job's own cancel flag. */
  static final class Member {
    final String description;
    final AtomicBoolean cancel;
    volatile boolean superseded;

    Member(String description, AtomicBoolean cancel) {
      this.description = description;
      this.cancel = cancel;
    }
  }

  private static final class Group {
    Member running;
    Member waiting;
  }

  /** Guarded by this. */
  private final Map<String, Group> groups = new HashMap<>();

  /**
   * Blocks until {@code me} may run in {@code group}; returns false when it must not run at all (a
   * newer job took its place in the queue, or its run was cancelled while it waited). A true return
   * must be followed by {@link #leave}.
   *
   * @param waiting told once, with who runs, when {@code me} has to wait
   */
  boolean enter(
      String repository,
      String group,
      boolean cancelInProgress,
      Member me,
      BooleanSupplier runCancelled,
      java.util.function.Consumer<String> waiting)
      throws InterruptedException {
    String key = key(repository, group);
    synchronized (this) {
      Group g = groups.computeIfAbsent(key, k -> new Group());
      if (g.running == null && g.waiting == null) {
        g.running = me;
        return true;
      }
      if (g.waiting != null) {
        g.waiting.superseded = true;
        g.waiting.cancel.set(true);
      }
      g.waiting = me;
      if (cancelInProgress && g.running != null) {
        g.running.cancel.set(true);
      }
      waiting.accept(g.running == null ? "another job" : g.running.description);
      notifyAll();
      while (g.running != null && !me.cancel.get() && !runCancelled.getAsBoolean()) {
        wait(POLL_MILLIS);
      }
      if (g.waiting == me) {
        g.waiting = null;
      }
      if (me.cancel.get() || runCancelled.getAsBoolean()) {
        dropIfEmpty(key, g);
        notifyAll();
        return false;
      }
      g.running = me;
      return true;
    }
  }

  /** {@code me} ended: the job waiting in its group may run. */
  synchronized void leave(String repository, String group, Member me) {
    String key = key(repository, group);
    Group g = groups.get(key);
    if (g != null && g.running == me) {
      g.running = null;
      dropIfEmpty(key, g);
      notifyAll();
    }
  }

  private void dropIfEmpty(String key, Group g) {
    if (g.running == null && g.waiting == null) {
      groups.remove(key);
    }
  }

  private static String key(String repository, String group) {
    return repository + '\0' + group.toLowerCase(Locale.ROOT);
  }
}
