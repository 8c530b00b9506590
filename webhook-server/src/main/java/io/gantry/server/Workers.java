package io.gantry.server;

import io.gantry.runner.deploy.InterruptedDeploys;
import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.CommitState;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Executes queued runs: each worker thread claims the oldest run that may start, with a lease it
 * renews while the run goes on, and relays cancel requests from the store. A sweeper concludes runs
 * whose lease expired — their process died — as interrupted failures, with the reason in their log
 * and a status on the commit, so no run stays "running" forever.
 */
final class Workers implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Workers.class.getName());

  /** How long {@link #close} waits for cancelled runs: the kill grace period and some. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(20);

  private final RunStore store;
  private final WorkflowExecutor executor;
  private final LogStore logs;
  private final RunEvents events;
  private final Function<RunHistory.RunDetails, RunRequest> requests;
  private final int count;
  private final Duration lease;
  private final String owner = "gantry-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
  private final List<Thread> threads = new ArrayList<>();
  private final Object wake = new Object();
  private volatile boolean running = true;
  private final java.util.concurrent.atomic.AtomicInteger busy =
      new java.util.concurrent.atomic.AtomicInteger();

  Workers(
      RunStore store,
      WorkflowExecutor executor,
      LogStore logs,
      RunEvents events,
      Function<RunHistory.RunDetails, RunRequest> requests,
      int count,
      Duration lease) {
    this.store = store;
    this.executor = executor;
    this.logs = logs;
    this.events = events;
    this.requests = requests;
    this.count = count;
    this.lease = lease;
  }

  void start() {
    for (int i = 1; i <= count; i++) {
      Thread t = new Thread(this::work, "gantry-worker-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    Thread sweeper = new Thread(this::sweep, "gantry-lease-sweeper");
    sweeper.setDaemon(true);
    threads.add(sweeper);
    sweeper.start();
  }

  /** New work is queued: a waiting worker looks at once instead of at its next poll. */
  void wake() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  int busy() {
    return busy.get();
  }

  int count() {
    return count;
  }

  private void work() {
    while (running) {
      RunHistory.RunRecord claimed;
      try {
        claimed = store.claimNext(owner, Instant.now(), lease).orElse(null);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "claiming a run failed: " + e.getMessage());
        claimed = null;
      }
      if (claimed == null) {
        synchronized (wake) {
          try {
            wake.wait(500);
          } catch (InterruptedException e) {
            return;
          }
        }
        continue;
      }
      busy.incrementAndGet();
      try {
        execute(claimed);
      } catch (RuntimeException e) {
        LOG.log(Level.SEVERE, "run " + claimed.id() + " failed inside Gantry", e);
        try {
          store.runFinished(claimed.id(), Result.FAILURE, Instant.now());
          events.ended(
              claimed,
              Conclusion.FAILURE,
              CommitState.ERROR,
              "Gantry failed to run it: " + e.getMessage());
        } catch (RuntimeException unrecorded) {
          // The store is away: the run's lease runs out and the sweeper of whichever server
          // sees it first concludes it as interrupted. This worker goes on.
          LOG.warning(
              "run " + claimed.id() + " could not be concluded: " + unrecorded.getMessage());
        }
      } finally {
        busy.decrementAndGet();
      }
    }
  }

  private volatile java.util.function.LongConsumer onCompleted = id -> {};

  private void execute(RunHistory.RunRecord record) {
    RunHistory.RunDetails details = store.details(record.id()).orElseThrow();
    RunRequest request = requests.apply(details);
    RunListener listener = events.listenerFor(record);
    WorkflowExecutor.Execution execution = executor.startQueued(record, request, listener);
    long renewEvery = Math.max(1000, lease.toMillis() / 3);
    long nextRenewal = System.currentTimeMillis() + renewEvery;
    // The store may be away for a while (a PostgreSQL restart): its calls then wait and retry, and
    // a failed renewal is tolerated until the lease it held would have run out. Past that another
    // server may take the run, so this one stops it.
    long leaseHeldUntil = System.currentTimeMillis() + lease.toMillis();
    boolean stopping = false;
    while (true) {
      if (waitFor(execution, 250) != null) {
        // Its end went out on the run's channel (RunEvents.listenerFor).
        onCompleted.accept(record.id());
        return;
      }
      if (stopping) {
        continue;
      }
      try {
        if (store.cancelRequested(record.id())) {
          execution.cancel();
        }
        if (System.currentTimeMillis() >= nextRenewal) {
          long asked = System.currentTimeMillis();
          if (!store.renewLease(record.id(), owner, lease)) {
            LOG.warning("lost the lease of run " + record.id() + "; cancelling it here");
            execution.cancel();
            stopping = true;
          }
          leaseHeldUntil = asked + lease.toMillis();
          nextRenewal = System.currentTimeMillis() + renewEvery;
        }
      } catch (StoreException e) {
        if (System.currentTimeMillis() >= leaseHeldUntil) {
          LOG.warning(
              "run "
                  + record.id()
                  + ": the run store was unreachable for longer than the run's lease ("
                  + e.getMessage()
                  + "); stopping the run here");
          execution.cancel();
          stopping = true;
        }
      }
    }
  }

  /** Called with each run a worker of this process completes (workflow_run chaining). */
  void onCompleted(java.util.function.LongConsumer listener) {
    onCompleted = listener;
  }

  private static RunResult waitFor(WorkflowExecutor.Execution execution, long millis) {
    long until = System.currentTimeMillis() + millis;
    RunResult result;
    while ((result = execution.resultNow()) == null && System.currentTimeMillis() < until) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        // The server is stopping (see close): cancel the run and wait for it to end, which the
        // kill grace period bounds.
        execution.cancel();
      }
    }
    return result;
  }

  private void sweep() {
    boolean deploysToSweep = true;
    while (running) {
      try {
        List<RunHistory.RunRecord> expired = store.expireLeases(Instant.now());
        // At start-up (runs a crash left behind) and after each expiry: their deploys too.
        deploysToSweep |= !expired.isEmpty();
        for (RunHistory.RunRecord run : expired) {
          String line =
              Instant.now()
                  + " [gantry] Error: the run was interrupted: the Gantry process running it"
                  + " stopped (its lease expired); rerun it with 'gantry rerun "
                  + run.id()
                  + "'";
          try (LogStore.StepLogFile log = logs.open(run.id(), "interrupted", 0)) {
            log.append(line);
          }
          // Live followers of the run, which read its line journal, get the line too.
          logs.appendToJournal(run.id(), line);
          events.ended(
              run,
              Conclusion.FAILURE,
              CommitState.FAILURE,
              "interrupted: the Gantry process running it stopped");
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "lease sweep failed: " + e.getMessage());
      }
      if (deploysToSweep) {
        try {
          concludeInterruptedDeploys();
          deploysToSweep = false;
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "interrupted deploys sweep failed: " + e.getMessage());
        }
      }
      try {
        Thread.sleep(Math.max(500, lease.toMillis() / 4));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Marks failed the deploys that interrupted runs left in progress ({@link InterruptedDeploys}).
   */
  private void concludeInterruptedDeploys() {
    for (DeployHistory.Deployment d :
        InterruptedDeploys.sweep(
            store.deployHistory(),
            runId -> store.details(runId).map(RunHistory.RunDetails::interrupted).orElse(false),
            Instant.now())) {
      LOG.warning(
          "deployment "
              + d.id()
              + " of "
              + d.service()
              + " was interrupted with run "
              + d.runId()
              + ": marked failed");
    }
  }

  /**
   * Stops taking runs and cancels the runs under way (their steps get SIGTERM, then SIGKILL after
   * the grace period), waiting for them to conclude so nothing writes to the data directory
   * afterwards. A run that still has not ended when the wait is over is left to the lease sweeper
   * of the next start, which marks it interrupted.
   */
  @Override
  public void close() {
    running = false;
    threads.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
