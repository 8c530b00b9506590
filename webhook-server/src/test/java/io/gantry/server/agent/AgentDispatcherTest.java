package io.gantry.server.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.Agents;
import io.gantry.runner.store.JobQueue;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's side of an agent's job on a real embedded store: a job's waiter ends when the job's
 * row is completed, however it was (this process's result endpoint, another server sharing the
 * store, the lease sweeper), and a cancelled run withdraws a job nobody took.
 */
class AgentDispatcherTest {

  @TempDir Path dir;

  @Test
  void aResultThatAnotherServerStoredEndsTheWaiterWithItsConclusionAndOutputs() throws Exception {
    try (RunStore store = Stores.openEmbedded(dir);
        AgentDispatcher dispatcher = dispatcher(store)) {
      JobQueue queue = JobQueue.in(store);
      long agent = Agents.in(store).add("a", List.of(), "h", Instant.now()).id();
      JobDispatcher.ReadyJob job = job(store);
      CompletableFuture<JobResult> result = run(dispatcher, job, new AtomicBoolean());

      JobQueue.QueuedJob taken = awaitClaim(queue, agent);
      // Completed straight in the store, as a server other than this one does with a result: no
      // call of this dispatcher tells it.
      assertThat(
              queue.complete(
                  taken.id(),
                  agent,
                  "{\"conclusion\":\"SUCCESS\",\"outputs\":{\"word\":\"hi\"},\"millis\":5}",
                  Instant.now()))
          .isTrue();

      JobResult r = result.get(60, TimeUnit.SECONDS);
      assertThat(r.conclusion()).isEqualTo(Conclusion.SUCCESS);
      assertThat(r.outputs()).isEqualTo(Map.of("word", "hi"));
      assertThat(r.key()).isEqualTo("build");
    }
  }

  @Test
  void aCancelledRunWithdrawsItsJobThatNoAgentTookAndNoAgentGetsItAfterwards() throws Exception {
    try (RunStore store = Stores.openEmbedded(dir);
        AgentDispatcher dispatcher = dispatcher(store)) {
      JobQueue queue = JobQueue.in(store);
      long agent = Agents.in(store).add("a", List.of(), "h", Instant.now()).id();
      AtomicBoolean cancelled = new AtomicBoolean();
      JobDispatcher.ReadyJob job = job(store);
      CompletableFuture<JobResult> result = run(dispatcher, job, cancelled);
      for (int i = 0; i < 500 && queue.ofRun(job.runId()).isEmpty(); i++) {
        Thread.sleep(10);
      }

      cancelled.set(true);
      JobResult r = result.get(60, TimeUnit.SECONDS);
      assertThat(r.conclusion()).isEqualTo(Conclusion.CANCELLED);
      assertThat(r.message()).isEqualTo("cancelled before an agent took it");
      assertThat(queue.claim(agent, List.of("self-hosted"), Instant.now(), Duration.ofSeconds(30)))
          .isEmpty();
      assertThat(queue.ofRun(job.runId()))
          .extracting(JobQueue.QueuedJob::status)
          .containsExactly(RunStatus.COMPLETED);
    }
  }

  private AgentDispatcher dispatcher(RunStore store) {
    AgentDispatcher dispatcher =
        new AgentDispatcher(JobQueue.in(store), new LogStore(dir), true, Duration.ofSeconds(30));
    dispatcher.start();
    return dispatcher;
  }

  private static CompletableFuture<JobResult> run(
      AgentDispatcher dispatcher, JobDispatcher.ReadyJob job, AtomicBoolean cancelled) {
    CompletableFuture<JobResult> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.complete(dispatcher.run(job, new RunListener() {}, cancelled));
              } catch (InterruptedException | RuntimeException e) {
                result.completeExceptionally(e);
              }
            });
    t.setDaemon(true);
    t.start();
    return result;
  }

  private static JobQueue.QueuedJob awaitClaim(JobQueue queue, long agent)
      throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      var taken = queue.claim(agent, List.of("self-hosted"), Instant.now(), Duration.ofSeconds(30));
      if (taken.isPresent()) {
        return taken.get();
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the job was never queued");
  }

  private static JobDispatcher.ReadyJob job(RunStore store) {
    long runId =
        store
            .createRun(
                new RunHistory.NewRun(
                    "acme/shop",
                    "ci.yml",
                    "Build",
                    "on: push\njobs: {}\n",
                    "push",
                    "refs/heads/main",
                    "0123456789012345678901234567890123456789",
                    Map.of(),
                    "test",
                    "{}",
                    null,
                    false))
            .id();
    return new JobDispatcher.ReadyJob(
        runId, "build", "build", "build", List.of("self-hosted"), Map.of(), Map.of(), Map.of());
  }
}
