package io.gantry.server.agent;

import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.StepResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An agent's job's events on their way to the server: a bounded queue (a step that logs faster than
 * the server takes its lines waits) and a sender thread that posts them in batches of at most
 * {@value AgentProtocol#MAX_BATCH}, gathered for up to {@value #FLUSH_MILLIS} ms after a batch's
 * first event, and at least every {@code heartbeat} (an empty batch renews the lease). The server's
 * answer says whether to cancel the job; a lost lease cancels it too. What is still unsent when the
 * job ends is not posted here: {@link #finish} hands it back to go with the job's result, so a
 * short job costs the claim and the result, two requests in all.
 */
final class AgentEvents implements RunListener, AutoCloseable {

  private static final int QUEUE = 10_000;
  private static final long FLUSH_MILLIS = 200;
  private static final long MAX_BATCH_CHARS = 256 * 1024;

  /** Put last by {@link #finish}: the sender hands back what it has and ends. */
  private static final Map<String, Object> END = Map.of("type", "end");

  private final AgentProcess agent;
  private final long jobId;
  private final Duration heartbeat;
  private final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final Thread sender;

  /** The events the sender had not posted when it met {@link #END}; read after it ended. */
  private volatile List<Map<String, Object>> unsent = List.of();

  AgentEvents(AgentProcess agent, long jobId, Duration heartbeat) {
    this.agent = agent;
    this.jobId = jobId;
    this.heartbeat = heartbeat;
    this.sender = new Thread(this::send, "gantry-agent-events-" + jobId);
    sender.setDaemon(true);
  }

  void start() {
    sender.start();
  }

  /** Set when the server asks the job to stop (a cancel, or the lease is gone). */
  AtomicBoolean cancelled() {
    return cancelled;
  }

  @Override
  public void jobStarted(String jobKey, String jobName) {
    put(AgentProtocol.jobStarted());
  }

  @Override
  public void stepStarted(String jobKey, int number, String stepName) {
    put(AgentProtocol.stepStarted(number, stepName));
  }

  @Override
  public void logLine(String jobKey, LogLine line) {
    put(AgentProtocol.log(line));
  }

  @Override
  public void stepFinished(String jobKey, StepResult result) {
    put(AgentProtocol.stepFinished(result));
  }

  private void put(Map<String, Object> event) {
    try {
      queue.put(event);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @SuppressWarnings("ReferenceEquality") // END is one marker object, told apart by identity
  private void send() {
    // The claim has just set the lease: the first heartbeat is due a heartbeat from now.
    long lastPost = System.currentTimeMillis();
    while (true) {
      List<Map<String, Object>> batch = new ArrayList<>();
      boolean ended = false;
      try {
        Map<String, Object> e = queue.poll(FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        // Bounded in count and in bytes: the server takes request bodies of a limited size.
        long bytes = 0;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS);
        while (e != null) {
          if (e == END) {
            ended = true;
            break;
          }
          batch.add(e);
          bytes += String.valueOf(e.get("text")).length() + 100;
          if (batch.size() >= AgentProtocol.MAX_BATCH || bytes >= MAX_BATCH_CHARS) {
            break;
          }
          long left = until - System.nanoTime();
          e = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
        }
      } catch (InterruptedException e) {
        return;
      }
      if (ended) {
        unsent = batch;
        return;
      }
      if (!batch.isEmpty() || System.currentTimeMillis() - lastPost >= heartbeat.toMillis()) {
        post(batch);
        lastPost = System.currentTimeMillis();
      }
    }
  }

  private void post(List<Map<String, Object>> batch) {
    for (int tries = 1; ; tries++) {
      try {
        AgentProcess.Answer answer =
            agent.post(
                "/api/agent/jobs/" + jobId + "/events",
                Map.of("events", batch),
                Duration.ofSeconds(30));
        if (answer.status() == 200) {
          if (Boolean.TRUE.equals(answer.body().get("cancel"))) {
            cancelled.set(true);
          }
        } else {
          agent.out().println("gantry agent: job " + jobId + ": " + answer.message());
          agent.out().flush();
          cancelled.set(true);
        }
        return;
      } catch (IOException e) {
        if (tries >= 5) {
          agent.out().println("gantry agent: job " + jobId + ": events lost: " + e.getMessage());
          agent.out().flush();
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(500L * tries);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Ends the sender and returns the events it had not posted yet (at most {@value
   * AgentProtocol#MAX_BATCH}), for the job's result to carry.
   */
  List<Map<String, Object>> finish() {
    if (!sender.isAlive()) {
      return unsent;
    }
    put(END);
    try {
      sender.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return unsent;
  }

  /** Ends the sender; the events it had not posted are dropped (see {@link #finish}). */
  @Override
  public void close() {
    finish();
  }
}
