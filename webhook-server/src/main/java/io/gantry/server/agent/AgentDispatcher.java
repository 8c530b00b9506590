package io.gantry.server.agent;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.log.LogStore;
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

  /** A job this process waits for: where its events go. */
  static final class Waiting {
    final JobDispatcher.ReadyJob job;
    final RunListener listener;
    final AtomicBoolean cancel = new AtomicBoolean();
    private LogStore.StepLogFile file;
    private int step;

    /** Set when its row may be COMPLETED (guarded by this): then the waiter reads it. */
    private boolean ended;

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
        synchronized (w) {
          if (!w.ended && (!cancelled.get() || w.cancel.get())) {
            // The agent's result (through this server) or the lease sweeper wakes it at once;
            // a result another server took, by the shared look at every waiting job each second
            // (see sweep). The timeout is for a cancel.
            w.wait(1000);
          }
          look = w.ended;
          w.ended = false;
        }
        if (look) {
          JobQueue.QueuedJob row = queue.find(id).orElseThrow();
          if (row.status() == RunStatus.COMPLETED) {
            return ended(job, row);
          }
        }
        if (cancelled.get() && w.cancel.compareAndSet(false, true)) {
          // Still QUEUED: withdrawn, no agent will take it. Else its agent hears of the cancel
          // on its next batch of events.
          if (queue.withdraw(id, Instant.now())) {
            return result(job, Conclusion.CANCELLED, "cancelled before an agent took it");
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

  private static JobResult ended(JobDispatcher.ReadyJob job, JobQueue.QueuedJob row) {
    if (row.interrupted()) {
      return result(
          job,
          Conclusion.FAILURE,
          "interrupted: the agent running it stopped answering (its lease expired)");
    }
    if (row.result() == null) {
      return result(job, Conclusion.CANCELLED, "cancelled before an agent took it");
    }
    try {
      return AgentProtocol.jobResult(job, (Map<?, ?>) Expressions.fromJson(row.result()));
    } catch (ExpressionException | RuntimeException e) {
      return result(job, Conclusion.FAILURE, "the agent's result is unreadable: " + e.getMessage());
    }
  }

  private static JobResult result(JobDispatcher.ReadyJob job, Conclusion conclusion, String why) {
    return new JobResult(
        job.key(),
        job.jobId(),
        job.name(),
        job.matrix(),
        conclusion,
        Map.of(),
        List.of(),
        Duration.ZERO,
        why,
        false);
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
   * Replays a batch of an agent's events for job {@code id}; false when this process does not
   * orchestrate it (another server does, or it ended).
   */
  boolean deliver(long id, List<?> events) {
    Waiting w = waiting.get(id);
    if (w == null) {
      return false;
    }
    synchronized (w) {
      String key = w.job.key();
      for (Object o : events) {
        if (!(o instanceof Map<?, ?> e)) {
          continue;
        }
        switch (String.valueOf(e.get("type"))) {
          case "jobStarted" -> w.listener.jobStarted(key, w.job.name());
          case "stepStarted" -> {
            int number = AgentProtocol.integer(e.get("number"));
            w.listener.stepStarted(key, number, String.valueOf(e.get("name")));
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
          case "stepFinished" -> w.listener.stepFinished(key, AgentProtocol.stepResult(e));
          default -> {
            // An event of a newer agent: nothing to replay.
          }
        }
      }
    }
    return true;
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

  /** The job may be COMPLETED (its result is in, or its lease expired): its waiter looks. */
  void completed(long id) {
    Waiting w = waiting.get(id);
    if (w != null) {
      synchronized (w) {
        w.ended = true;
        w.notifyAll();
      }
    }
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
      for (JobQueue.QueuedJob job : queue.expireLeases(Instant.now())) {
        String line =
            Instant.now()
                + " [gantry] Error: job '"
                + job.name()
                + "' was interrupted: its agent stopped answering (lease expired)";
        try (LogStore.StepLogFile log = logs.open(job.runId(), job.jobKey(), 999)) {
          log.append(line);
        }
        logs.appendToJournal(job.runId(), line);
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
