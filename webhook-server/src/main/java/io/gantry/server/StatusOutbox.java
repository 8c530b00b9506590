package io.gantry.server;

import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.store.CommitState;
import io.gantry.runner.store.CommitStatuses;
import io.gantry.runner.store.RunHistory;
import io.gantry.server.config.ServerConfig;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Commit statuses go through an outbox in the store: a run's {@code pending} and its conclusion are
 * stored first and delivered by this class's thread, retried with backoff, so a restart or a forge
 * outage drops none. A failed report never fails a run, and no token reaches a log line.
 */
final class StatusOutbox implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(StatusOutbox.class.getName());
  private static final io.gantry.server.forge.Backoff BACKOFF =
      io.gantry.server.forge.Backoff.outboxDefault();

  /** Delivers one status to its forge. */
  interface Poster {
    /**
     * @return null when delivered; else why not, with whether to try again
     */
    Failure post(ServerConfig.Repository repository, CommitStatuses.StatusRecord status);
  }

  record Failure(String message, boolean retryable) {}

  private final ServerConfig config;
  private final CommitStatuses store;

  /**
   * Longer than one pass of at most 50 posts takes: a drainer that dies mid-pass holds the others
   * back this long at most.
   */
  private static final java.time.Duration DRAINER_LEASE = java.time.Duration.ofMinutes(2);

  /**
   * {@code outbox/HOST/PID/RANDOM}: a server that finds the lease held by a process of its own
   * machine that no longer runs (killed with {@code -9} mid-pass) takes it at once instead of
   * waiting out the lease.
   */
  private static final String HOST = hostName();

  /** The owners of this process's outboxes not closed yet (tests run several servers in one). */
  private static final java.util.Set<String> OPEN =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final String owner =
      "outbox/" + HOST + "/" + ProcessHandle.current().pid() + "/" + java.util.UUID.randomUUID();
  private final Poster poster;
  private final java.util.function.Function<RunHistory.RunRecord, String> commitOf;
  private final Thread thread;
  private final Object wake = new Object();
  private volatile boolean running = true;

  StatusOutbox(ServerConfig config, CommitStatuses store, Poster poster) {
    this(config, store, poster, RunHistory.RunRecord::sha);
  }

  /**
   * With {@code commitOf}, the commit a run's statuses go on: its own commit, but a pull request's
   * head commit for its runs on the test merge, as GitHub reports them.
   */
  StatusOutbox(
      ServerConfig config,
      CommitStatuses store,
      Poster poster,
      java.util.function.Function<RunHistory.RunRecord, String> commitOf) {
    this.commitOf = commitOf;
    this.config = config;
    this.store = store;
    this.poster = poster;
    this.thread = new Thread(this::loop, "gantry-status-outbox");
    this.thread.setDaemon(true);
    OPEN.add(owner);
  }

  /** The name this outbox holds the drainer lease under. */
  String owner() {
    return owner;
  }

  void start() {
    thread.start();
  }

  /** Stores a status for the run's commit; does nothing for a repository without status config. */
  void enqueue(RunHistory.RunRecord run, CommitState state, String description) {
    enqueue(run, "gantry/" + run.workflowName(), state, description);
  }

  private void enqueue(
      RunHistory.RunRecord run, String context, CommitState state, String description) {
    ServerConfig.Repository repository = config.repository(run.repository()).orElse(null);
    if (repository == null || repository.status() == null) {
      return;
    }
    store.enqueueStatus(
        new CommitStatuses.NewStatus(
            run.id(),
            run.repository(),
            commitOf.apply(run),
            state,
            context,
            description,
            // The forge's "Details" link: the run's page of the web UI.
            config.server().publicUrl().replaceAll("/+$", "") + "/runs/" + run.id(),
            Instant.now()));
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  /**
   * {@code listener}, plus a status per job ({@code pending} when it starts, its conclusion when it
   * ends) when the repository's status configuration says {@code per-job: true}. Its context is the
   * one GitHub gives a job's check, {@code workflow / job (event)}.
   */
  RunListener withJobStatuses(RunHistory.RunRecord run, RunListener listener) {
    ServerConfig.Repository repository = config.repository(run.repository()).orElse(null);
    if (repository == null || repository.status() == null || !repository.status().perJob()) {
      return listener;
    }
    return new RunListener() {
      @Override
      public void runStarted(long runId, long runNumber, String runName) {
        listener.runStarted(runId, runNumber, runName);
      }

      @Override
      public void jobStarted(String jobKey, String jobName) {
        listener.jobStarted(jobKey, jobName);
        enqueue(run, jobContext(run, jobName), CommitState.PENDING, "running");
      }

      @Override
      public void stepStarted(String jobKey, int number, String stepName) {
        listener.stepStarted(jobKey, number, stepName);
      }

      @Override
      public void logLine(String jobKey, LogLine line) {
        listener.logLine(jobKey, line);
      }

      @Override
      public void stepFinished(String jobKey, StepResult result) {
        listener.stepFinished(jobKey, result);
      }

      @Override
      public void jobFinished(JobResult result) {
        listener.jobFinished(result);
        CommitState state =
            switch (result.conclusion()) {
              case SUCCESS, SKIPPED -> CommitState.SUCCESS;
              case FAILURE -> CommitState.FAILURE;
              case CANCELLED -> CommitState.ERROR;
            };
        enqueue(
            run,
            jobContext(run, result.name()),
            state,
            "job " + result.conclusion().name().toLowerCase(java.util.Locale.ROOT));
      }

      @Override
      public void runFinished(RunResult result) {
        listener.runFinished(result);
      }
    };
  }

  /** GitHub's name of a job's check: {@code workflow / job (event)}. */
  static String jobContext(RunHistory.RunRecord run, String jobName) {
    return run.workflowName() + " / " + jobName + " (" + run.event() + ")";
  }

  /**
   * Delivers what is due now, holding the outbox's drainer lease meanwhile so that servers sharing
   * the store never post the same status twice nor a run's statuses out of order; the loop calls
   * it, tests may too. Another server draining now makes this pass do nothing.
   */
  void deliverDue() {
    // A read first: an idle server (nothing due) commits nothing. Taking and releasing the lease
    // on every pass wrote two transactions to the store every half second, each a disk write that
    // a push arriving meanwhile queued behind (bench/README.md, push-to-first-step latency).
    if (store.dueStatuses(Instant.now(), 1).isEmpty()) {
      return;
    }
    if (!store.takeOutbox(owner, Instant.now(), DRAINER_LEASE, StatusOutbox::deadOnThisMachine)) {
      return;
    }
    try {
      deliverDueHoldingTheLease();
    } finally {
      store.releaseOutbox(owner);
    }
  }

  private void deliverDueHoldingTheLease() {
    List<CommitStatuses.StatusRecord> due = store.dueStatuses(Instant.now(), 50);
    for (CommitStatuses.StatusRecord status : due) {
      ServerConfig.Repository repository = config.repository(status.repository()).orElse(null);
      if (repository == null || repository.status() == null) {
        store.statusFailed(
            status.id(), "the repository has no status configuration any more", null);
        continue;
      }
      if (superseded(status)) {
        // A newer status of the same run and context is already on the commit; posting this
        // older one now would turn a finished run back to "pending".
        store.statusFailed(status.id(), "superseded by a newer status", null);
        continue;
      }
      Failure failure;
      try {
        failure = poster.post(repository, status);
      } catch (RuntimeException e) {
        failure = new Failure(e.getClass().getSimpleName(), true);
      }
      if (failure == null) {
        store.statusDelivered(status.id(), Instant.now());
      } else {
        Instant retry =
            failure.retryable() ? Instant.now().plus(BACKOFF.delay(status.attempts() + 1)) : null;
        store.statusFailed(status.id(), failure.message(), retry);
        LOG.log(
            Level.WARNING,
            "status "
                + status.state().label()
                + " for "
                + status.repository()
                + "@"
                + status.sha()
                + " not delivered ("
                + failure.message()
                + ")"
                + (retry == null ? "; giving up" : "; retrying at " + retry));
      }
    }
  }

  /** Whether {@code holder} names a process of this machine that has ended. */
  static boolean deadOnThisMachine(String holder) {
    String[] parts = holder.split("/", -1);
    if (parts.length != 4 || !parts[0].equals("outbox") || !parts[1].equals(HOST)) {
      return false;
    }
    try {
      long pid = Long.parseLong(parts[2]);
      if (pid == ProcessHandle.current().pid()) {
        // This process but none of its open outboxes: an earlier server of a restarted
        // container, whose server process always gets the same PID.
        return !OPEN.contains(holder);
      }
      return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName().replace('/', '_');
    } catch (java.io.IOException e) {
      // No name: never take another holder's lease early; it still expires.
      return "unknown-host-" + java.util.UUID.randomUUID();
    }
  }

  private boolean superseded(CommitStatuses.StatusRecord status) {
    for (CommitStatuses.StatusRecord other : store.statusesOf(status.runId())) {
      if (other.id() > status.id()
          && other.context().equals(status.context())
          && other.deliveredAt() != null) {
        return true;
      }
    }
    return false;
  }

  private void loop() {
    while (running) {
      try {
        deliverDue();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "status outbox: " + e.getMessage());
      }
      synchronized (wake) {
        try {
          wake.wait(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    OPEN.remove(owner);
  }
}
