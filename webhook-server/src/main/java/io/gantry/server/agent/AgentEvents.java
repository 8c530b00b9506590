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
 * {@value AgentProtocol#MAX_BATCH}, at least every {@code heartbeat} (an empty batch renews the
 * lease). The server's answer says whether to cancel the job; a lost lease cancels it too.
 */
final class AgentEvents implements RunListener, AutoCloseable {

  private static final int QUEUE = 10_000;
  private static final long FLUSH_MILLIS = 200;
  private static final long MAX_BATCH_CHARS = 256 * 1024;

  /** Put last by {@link #close}: the sender posts what it has and ends without waiting a poll. */
  private static final Map<String, Object> END = Map.of("type", "end");

  private final AgentProcess agent;
  private final long jobId;
  private final Duration heartbeat;
  private final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final Thread sender;

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
    long lastPost = 0;
    boolean ended = false;
    while (true) {
      List<Map<String, Object>> batch = new ArrayList<>();
      try {
        Map<String, Object> first = queue.poll(FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        // Bounded in count and in bytes: the server takes request bodies of a limited size.
        long bytes = 0;
        for (Map<String, Object> e = first;
            e != null;
            e =
                batch.size() < AgentProtocol.MAX_BATCH && bytes < MAX_BATCH_CHARS
                    ? queue.poll()
                    : null) {
          if (e == END) {
            ended = true;
            break;
          }
          batch.add(e);
          bytes += String.valueOf(e.get("text")).length() + 100;
        }
      } catch (InterruptedException e) {
        return;
      }
      if (!batch.isEmpty() || System.currentTimeMillis() - lastPost >= heartbeat.toMillis()) {
        post(batch);
        lastPost = System.currentTimeMillis();
      }
      if (ended) {
        return;
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

  /** Sends what is left and waits for the sender to end. */
  @Override
  public void close() {
    if (!sender.isAlive()) {
      return;
    }
    put(END);
    try {
      sender.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
