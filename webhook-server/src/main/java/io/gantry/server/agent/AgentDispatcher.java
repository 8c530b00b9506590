package io.gantry.server.agent;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.Broadcasts;
import io.gantry.runner.store.JobQueue;
import io.gantry.runner.store.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's side of jobs on agents: a run's scheduler hands it a ready job ({@link #run}), which
 * queues it in the store's {@link JobQueue} and waits, on the job's own thread, until an agent's
 * result completes it; meanwhile the agent's events, posted to {@link AgentChannel}, are replayed
 * here into the run's listener and step logs, as if the job ran in this process. A sweeper
 * completes jobs whose agent stopped renewing its lease as interrupted.
 *
 * <p>Several servers: an agent may post to any of them (behind a load balancer). A server that does
 * not orchestrate the job's run keeps the batch in the store ({@link JobQueue#keepEvents}) and
 * wakes the others ({@link #relayThrough}: {@code LISTEN/NOTIFY}); the orchestrating server takes
 * the kept batches on the job's thread, before a batch posted to it directly and before the job's
 * result, so every line reaches the run's log and live followers once, in order. Without a wake-up
 * (a notification lost) it takes them within a second anyway.
 *
 * <p>Which jobs go to agents: every job when the server runs none itself ({@code server.workers:
 * 0}); otherwise the jobs whose runs-on names {@code self-hosted}, as on GitHub.
 */
public final class AgentDispatcher implements JobDispatcher, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AgentDispatcher.class.getName());

  private final JobQueue queue;
  private final LogStore logs;
  private final boolean everyJob;
  private final Duration lease;
  private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
  private final Object newWork = new Object();
  private long queued;
  private volatile boolean open = true;
  private Thread sweeper;
  private volatile Broadcasts broadcasts;
  private volatile int retryInterrupted;

  /** Channel on which a server says "job N has kept events, or its result is in". */
  static final String WAKE_CHANNEL = "gantry_agent_jobs";

  /** A job this process waits for: where its events go. */
  static final class Waiting {
    final JobDispatcher.ReadyJob job;
    final RunListener listener;
    final AtomicBoolean cancel = new AtomicBoolean();
    private LogStore.StepLogFile file;
    private int step;

    /** Set when its row may be COMPLETED (guarded by this): then the waiter reads it. */
    private boolean ended;

    /**
     * The agent's result as this server stored it (guarded by this): the waiter ends with it
     * without reading the row, and with no kept events to take (the result's request took them).
     */
    private String result;

    /** Set when another server may have kept events of it (guarded by this). */
    private boolean kept;

    /** The waiter's passes, for its look at kept events now and then (guarded by this). */
    private int passes;

    /** Its attempt and what it replayed of it, for a re-run (see {@link InterruptedJobs}). */
    final InterruptedJobs.Attempt attempt = new InterruptedJobs.Attempt();

    Waiting(JobDispatcher.ReadyJob job, RunListener listener) {
      this.job = job;
      this.listener = listener;
    }
  }

  public AgentDispatcher(JobQueue queue, LogStore logs, boolean everyJob, Duration lease) {
    this.queue = queue;
    this.logs = logs;
    this.everyJob = everyJob;
    this.lease = lease;
  }

  public void start() {
    sweeper = new Thread(this::sweep, "gantry-job-lease-sweeper");
    sweeper.setDaemon(true);
    sweeper.start();
  }

  /**
   * Servers sharing a PostgreSQL store wake each other through {@code broadcasts} when a job's
   * events or result reach a server other than its orchestrator.
   */
  public void relayThrough(Broadcasts broadcasts) {
    this.broadcasts = broadcasts;
    broadcasts.listen(
        WAKE_CHANNEL,
        message -> {
          try {
            wake(Long.parseLong(message));
          } catch (NumberFormatException e) {
            // Not one of ours.
          }
        });
  }

  /**
   * {@code server.retry-interrupted}: how many times a job whose agent stopped answering (its lease
   * expired) is queued again before it fails as interrupted; 0 (the default) never.
   */
  public void retryInterrupted(int times) {
    this.retryInterrupted = times;
  }

  JobQueue queue() {
    return queue;
  }

  Duration lease() {
    return lease;
  }

  @Override
  public boolean takes(List<String> labels) {
    return everyJob || labels.stream().anyMatch(l -> l.equalsIgnoreCase("self-hosted"));
  }

  @Override
  public JobResult run(JobDispatcher.ReadyJob job, RunListener listener, AtomicBoolean cancelled)
      throws InterruptedException {
    long id =
        queue.enqueue(
            job.runId(),
            job.key(),
            job.name(),
            job.labels(),
            Expressions.toJson(AgentProtocol.spec(job)),
            Instant.now());
    Waiting w = new Waiting(job, listener);
    waiting.put(id, w);
    synchronized (newWork) {
      queued++;
      newWork.notifyAll();
    }
    try {
      while (true) {
        boolean look;
        boolean kept;
        synchronized (w) {
          if (w.result != null) {
            return AgentJobResults.fromResult(job, w.result);
          }
          if (!w.ended && !w.kept && (!cancelled.get() || w.cancel.get())) {
            // The agent's result (through this server) or the lease sweeper wakes it at once;
            // a result another server took, by the shared look at every waiting job each second
            // (see sweep), or another server's wake-up (events it kept). The timeout is for a
            // cancel.
            w.wait(1000);
          }
          if (w.result != null) {
            return AgentJobResults.fromResult(job, w.result);
          }
          look = w.ended;
          // Events an agent posted to another server: on its wake-up, and every 5 s in case a
          // wake-up was missed (only when servers share a store).
          kept = w.kept || look || (broadcasts != null && ++w.passes % 5 == 0);
          w.ended = false;
          w.kept = false;
        }
        // The row first, then the kept events: a result another server took was stored after
        // the job's last events, so a COMPLETED row means they are all kept by now.
        JobQueue.QueuedJob row = look ? queue.find(id).orElseThrow() : null;
        if (kept) {
          synchronized (w) {
            replayKept(w, id);
          }
        }
        if (row != null) {
          if (row.status() == RunStatus.COMPLETED) {
            if (row.interrupted()) {
              logInterrupted(job);
              if (!cancelled.get() && w.attempt.number() <= retryInterrupted && requeue(w, id)) {
                continue;
              }
            }
            return AgentJobResults.ended(job, row, w.attempt.number());
          }
        }
        if (cancelled.get() && w.cancel.compareAndSet(false, true)) {
          // Still QUEUED: withdrawn, no agent will take it. Else its agent hears of the cancel
          // on its next batch of events.
          if (queue.withdraw(id, Instant.now())) {
            return AgentJobResults.result(
                job, Conclusion.CANCELLED, "cancelled before an agent took it");
          }
        }
      }
    } finally {
      waiting.remove(id);
      synchronized (w) {
        if (w.file != null) {
          w.file.close();
        }
      }
    }
  }

  /**
   * Queues an interrupted job again (server.retry-interrupted), under the same id: the interrupted
   * attempt's open steps end as failed (their lines stay in the steps' logs), and the run's log
   * says that it runs again. False when it could not be queued again.
   */
  private boolean requeue(Waiting w, long id) {
    synchronized (w) {
      if (w.file != null) {
        w.file.close();
        w.file = null;
      }
      InterruptedJobs.closeAttempt(w.job, w.listener, w.attempt, retryInterrupted, logs);
    }
    if (!queue.requeue(id, Instant.now())) {
      return false;
    }
    synchronized (newWork) {
      queued++;
      newWork.notifyAll();
    }
    return true;
  }

  /** Waits up to {@code millis} for a job to be queued (a long poll's pause). */
  void awaitWork(long millis) throws InterruptedException {
    long until = System.currentTimeMillis() + millis;
    synchronized (newWork) {
      long seen = queued;
      long left = millis;
      while (queued == seen && left > 0) {
        newWork.wait(left);
        left = until - System.currentTimeMillis();
      }
    }
  }

  /**
   * A batch of an agent's events for job {@code id}: replayed here when this process orchestrates
   * its run, else kept in the store for the server that does, which is woken. False when nobody
   * orchestrates it any more (the job or its run is over): the agent should stop it.
   */
  boolean deliver(long id, List<?> events) {
    Waiting w = waiting.get(id);
    if (w == null) {
      if (events.isEmpty()) {
        return queue.runInProgress(id);
      }
      if (!queue.keepEvents(id, Expressions.toJson(events))) {
        return false;
      }
      tellOthers(id);
      return true;
    }
    synchronized (w) {
      replayKept(w, id);
      replay(w, events);
    }
    return true;
  }

  /** Replays the batches another server kept for job {@code id}; the caller holds {@code w}. */
  private void replayKept(Waiting w, long id) {
    for (String batch : queue.takeEvents(id)) {
      try {
        if (Expressions.fromJson(batch) instanceof List<?> events) {
          replay(w, events);
        }
      } catch (ExpressionException e) {
        LOG.log(Level.WARNING, "job " + id + ": a kept batch of events is unreadable: " + e);
      }
    }
  }

  /** Wakes the server orchestrating job {@code id}, when another one does (best effort). */
  private void tellOthers(long id) {
    Broadcasts relay = broadcasts;
    if (relay == null) {
      return;
    }
    try {
      relay.send(WAKE_CHANNEL, List.of(Long.toString(id)));
    } catch (RuntimeException e) {
      // The orchestrator looks within a second anyway.
      LOG.log(Level.FINE, "cannot wake the orchestrator of job " + id, e);
    }
  }

  private void wake(long id) {
    Waiting w = waiting.get(id);
    if (w != null) {
      synchronized (w) {
        w.kept = true;
        w.ended = true;
        w.notifyAll();
      }
    }
  }

  /** Replays events into the run's listener and step logs; the caller holds {@code w}. */
  private void replay(Waiting w, List<?> events) {
    String key = w.job.key();
    for (Object o : events) {
      if (!(o instanceof Map<?, ?> e)) {
        continue;
      }
      switch (String.valueOf(e.get("type"))) {
        case "jobStarted" -> {
          // Once for the job, however many attempts it takes (its per-job status goes once).
          if (w.attempt.firstStart()) {
            w.listener.jobStarted(key, w.job.name());
          }
        }
        case "stepStarted" -> {
          int number = AgentProtocol.integer(e.get("number"));
          String name = String.valueOf(e.get("name"));
          w.attempt.stepStarted(number, name);
          w.listener.stepStarted(key, number, name);
          openStep(w, number);
        }
        case "log" -> {
          LogLine line = AgentProtocol.logLine(e);
          if (w.file == null) {
            openStep(w, w.step);
          }
          w.file.append(line.format());
          w.listener.logLine(key, line);
        }
        case "stepFinished" -> {
          StepResult result = AgentProtocol.stepResult(e);
          w.attempt.stepFinished(result.number());
          w.listener.stepFinished(key, result);
        }
        default -> {
          // An event of a newer agent: nothing to replay.
        }
      }
    }
  }

  private void openStep(Waiting w, int number) {
    if (w.file != null && w.step == number) {
      return;
    }
    if (w.file != null) {
      w.file.close();
    }
    w.step = number;
    w.file = logs.open(w.job.runId(), w.job.key(), number);
  }

  /** Whether the run of job {@code id} asked it to stop (its agent hears it on its next batch). */
  boolean cancelRequested(long id) {
    Waiting w = waiting.get(id);
    return w != null && w.cancel.get();
  }

  /**
   * Job {@code id} is COMPLETED with {@code result}, stored by this server after the job's last
   * events were replayed: its waiter here ends with it at once, without reading the row.
   */
  void completed(long id, String result) {
    Waiting w = waiting.get(id);
    if (w != null) {
      synchronized (w) {
        w.result = result;
        w.ended = true;
        w.notifyAll();
      }
    } else {
      tellOthers(id);
    }
  }

  /** The job may be COMPLETED (its result is in, or its lease expired): its waiter looks. */
  void completed(long id) {
    Waiting w = waiting.get(id);
    if (w != null) {
      synchronized (w) {
        w.ended = true;
        w.notifyAll();
      }
    } else {
      tellOthers(id);
    }
  }

  /**
   * The line saying job's agent stopped answering, in the run's log and its live followers: written
   * by the orchestrating server (the sweeper that expired the lease may be another one).
   */
  private void logInterrupted(JobDispatcher.ReadyJob job) {
    String line =
        Instant.now()
            + " [gantry] Error: job '"
            + job.name()
            + "' was interrupted: its agent stopped answering (lease expired)";
    try (LogStore.StepLogFile log = logs.open(job.runId(), job.key(), 999)) {
      log.append(line);
    }
    logs.appendToJournal(job.runId(), line);
  }

  /**
   * Why the QUEUED agent jobs of a run wait, by job key: for an agent with their labels, or for a
   * free one when a connected agent has them.
   */
  public Map<String, String> waitingReasons(long runId, AgentChannel channel) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (JobQueue.QueuedJob job : queue.queuedOf(runId)) {
      String labels = String.join(", ", job.labels());
      out.put(
          job.jobKey(),
          channel.someAgentCarries(job.labels())
              ? "waiting for a free agent with labels [" + labels + "]"
              : "waiting for an agent with labels ["
                  + labels
                  + "] (no connected agent has them all)");
    }
    return out;
  }

  /**
   * Every second, one query for the jobs this process waits on that another server completed (an
   * agent's result may reach any server); every quarter lease, the jobs whose agent stopped
   * renewing are completed as interrupted.
   */
  private void sweep() {
    long nextExpiry = 0;
    while (open) {
      if (System.currentTimeMillis() >= nextExpiry) {
        expire();
        nextExpiry = System.currentTimeMillis() + Math.max(250, lease.toMillis() / 4);
      }
      try {
        if (!waiting.isEmpty()) {
          queue.completedAmong(waiting.keySet()).forEach(this::completed);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "looking for completed agent jobs failed: " + e.getMessage());
      }
      try {
        Thread.sleep(Math.min(1000, Math.max(250, lease.toMillis() / 4)));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void expire() {
    try {
      // The orchestrating server (this one or another) logs it when it sees the job over.
      for (JobQueue.QueuedJob job : queue.expireLeases(Instant.now())) {
        completed(job.id());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "job lease sweep failed: " + e.getMessage());
    }
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    open = false;
    if (sweeper != null) {
      sweeper.interrupt();
    }
  }
}
