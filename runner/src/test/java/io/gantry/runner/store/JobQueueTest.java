package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.RunHistory.NewRun;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobQueueTest {

  private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

  @TempDir Path dir;

  /** A store on the database under test (embedded here; PostgreSQL in a subclass). */
  RunStore openStore() {
    return Stores.openEmbedded(dir);
  }

  private static long run(RunStore store) {
    return store
        .createRun(
            new NewRun(
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
  }

  @Test
  void anAgentTakesOnlyJobsWhoseLabelsItCarriesAllOfInAnyCase() {
    try (RunStore store = openStore()) {
      JobQueue queue = JobQueue.in(store);
      Agents agents = Agents.in(store);
      long cpu = agents.add("cpu", List.of("linux"), "h1", NOW).id();
      long gpu = agents.add("gpu", List.of("linux", "gpu"), "h2", NOW).id();
      long runId = run(store);
      long needsGpu = queue.enqueue(runId, "train", "train", List.of("GPU", "Linux"), "{}", NOW);
      long plain = queue.enqueue(runId, "lint", "lint", List.of("linux"), "{}", NOW);

      // The oldest job needs a GPU: the cpu agent passes over it to the one it can take.
      JobQueue.QueuedJob taken =
          queue
              .claim(cpu, List.of("self-hosted", "linux"), NOW, Duration.ofSeconds(30))
              .orElseThrow();
      assertThat(taken.id()).isEqualTo(plain);
      assertThat(taken.status()).isEqualTo(RunStatus.IN_PROGRESS);
      assertThat(queue.claim(cpu, List.of("linux"), NOW, Duration.ofSeconds(30))).isEmpty();
      assertThat(queue.queuedOf(runId))
          .extracting(JobQueue.QueuedJob::labels)
          .containsExactly(List.of("gpu", "linux"));
      assertThat(agents.list())
          .filteredOn(a -> a.name().equals("cpu"))
          .extracting(Agents.AgentRecord::jobsRunning)
          .containsExactly(1);

      JobQueue.QueuedJob trained =
          queue.claim(gpu, List.of("linux", "gpu"), NOW, Duration.ofSeconds(30)).orElseThrow();
      assertThat(trained.id()).isEqualTo(needsGpu);
      assertThat(trained.agentId()).isEqualTo(gpu);

      // Only the holder completes it, once.
      assertThat(queue.complete(needsGpu, cpu, "{\"conclusion\":\"SUCCESS\"}", NOW)).isFalse();
      assertThat(queue.complete(needsGpu, gpu, "{\"conclusion\":\"SUCCESS\"}", NOW)).isTrue();
      assertThat(queue.complete(needsGpu, gpu, "{}", NOW)).isFalse();
      JobQueue.QueuedJob done = queue.find(needsGpu).orElseThrow();
      assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(done.result()).isEqualTo("{\"conclusion\":\"SUCCESS\"}");
      assertThat(done.interrupted()).isFalse();
    }
  }

  @Test
  void aLeaseThatRunsOutCompletesTheJobAsInterruptedUnlessRenewed() throws InterruptedException {
    try (RunStore store = openStore()) {
      JobQueue queue = JobQueue.in(store);
      long agent = Agents.in(store).add("a", List.of(), "h1", NOW).id();
      long runId = run(store);
      long renewed = queue.enqueue(runId, "a", "a", List.of(), "{}", NOW);
      long dropped = queue.enqueue(runId, "b", "b", List.of(), "{}", NOW);
      long waiting = queue.enqueue(runId, "c", "c", List.of("nobody-has-it"), "{}", NOW);
      // Leases run on the database's clock: a short one, and the first renewed for a minute.
      assertThat(queue.claim(agent, List.of(), NOW, Duration.ofMillis(300))).isPresent();
      assertThat(queue.claim(agent, List.of(), NOW, Duration.ofMillis(300))).isPresent();
      assertThat(queue.renew(renewed, agent, Duration.ofMinutes(1))).isTrue();

      List<JobQueue.QueuedJob> expired = List.of();
      for (int i = 0; i < 500 && expired.isEmpty(); i++) {
        Thread.sleep(20);
        expired = queue.expireLeases(Instant.now());
      }
      assertThat(expired).extracting(JobQueue.QueuedJob::id).containsExactly(dropped);
      assertThat(queue.find(dropped).orElseThrow().interrupted()).isTrue();
      assertThat(queue.find(dropped).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(queue.renew(dropped, agent, Duration.ofMinutes(1))).isFalse();
      assertThat(queue.find(renewed).orElseThrow().status()).isEqualTo(RunStatus.IN_PROGRESS);
      assertThat(queue.expireLeases(Instant.now())).isEmpty();

      // A job nobody took is withdrawn when its run is cancelled; a taken one is not.
      assertThat(queue.withdraw(waiting, NOW)).isTrue();
      assertThat(queue.find(waiting).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(queue.withdraw(renewed, NOW)).isFalse();
    }
  }

  @Test
  void anAgentHoldsAJobOfARunOnlyWhileItsOwnJobOfThatRunIsInProgress() {
    try (RunStore store = openStore()) {
      JobQueue queue = JobQueue.in(store);
      Agents agents = Agents.in(store);
      long a = agents.add("a", List.of(), "h1", NOW).id();
      long b = agents.add("b", List.of(), "h2", NOW).id();
      long runId = run(store);
      long other = run(store);
      long job = queue.enqueue(runId, "build", "build", List.of(), "{}", NOW);
      assertThat(queue.holdsJobOf(a, runId)).isFalse();

      assertThat(queue.claim(a, List.of(), NOW, Duration.ofMinutes(1)).orElseThrow().id())
          .isEqualTo(job);
      assertThat(queue.holdsJobOf(a, runId)).isTrue();
      assertThat(queue.holdsJobOf(b, runId)).isFalse();
      assertThat(queue.holdsJobOf(a, other)).isFalse();

      assertThat(queue.complete(job, a, "{}", NOW)).isTrue();
      assertThat(queue.holdsJobOf(a, runId)).isFalse();
    }
  }

  @Test
  void aResultsRowsAndItsCompletionAreWrittenTogetherOrNotAtAll() {
    try (RunStore store = openStore()) {
      JobQueue queue = JobQueue.in(store);
      long agent = Agents.in(store).add("a", List.of(), "h1", NOW).id();
      long runId = run(store);
      long jobRow = store.createJob(runId, "build", "build");
      long job = queue.enqueue(runId, "build", "build", List.of(), "{}", NOW);
      assertThat(queue.claim(agent, List.of(), NOW, Duration.ofMinutes(1))).isPresent();

      // A failure after some rows were written: none of them stays, the job is still held.
      IllegalStateException failure = new IllegalStateException("the replay broke");
      try {
        queue.together(
            () -> {
              store.jobStarted(jobRow, NOW);
              store.stepStarted(jobRow, 1, "step", NOW);
              assertThat(queue.complete(job, agent, "{\"conclusion\":\"SUCCESS\"}", NOW)).isTrue();
              throw failure;
            });
      } catch (IllegalStateException e) {
        assertThat(e).isSameAs(failure);
      }
      assertThat(store.jobsOf(runId))
          .extracting(RunHistory.JobRecord::status)
          .containsExactly(RunStatus.QUEUED);
      assertThat(store.stepsOf(jobRow)).isEmpty();
      assertThat(queue.find(job).orElseThrow().status()).isEqualTo(RunStatus.IN_PROGRESS);

      // Done again without the failure: every row at once.
      queue.together(
          () -> {
            store.jobStarted(jobRow, NOW);
            store.stepStarted(jobRow, 1, "step", NOW);
            assertThat(queue.complete(job, agent, "{\"conclusion\":\"SUCCESS\"}", NOW)).isTrue();
          });
      assertThat(store.jobsOf(runId))
          .extracting(RunHistory.JobRecord::status)
          .containsExactly(RunStatus.IN_PROGRESS);
      assertThat(store.stepsOf(jobRow)).hasSize(1);
      assertThat(queue.find(job).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }
  }

  @Test
  void completedAmongNamesOnlyTheCompletedOfTheJobsAskedAboutInOneGoOfAnySize() {
    try (RunStore store = openStore()) {
      JobQueue queue = JobQueue.in(store);
      long agent = Agents.in(store).add("a", List.of(), "h1", NOW).id();
      long runId = run(store);
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < 450; i++) {
        ids.add(queue.enqueue(runId, "j" + i, "j" + i, List.of(), "{}", NOW));
      }
      long done = queue.claim(agent, List.of(), NOW, Duration.ofSeconds(10)).orElseThrow().id();
      assertThat(queue.complete(done, agent, "{}", NOW)).isTrue();
      long running = queue.claim(agent, List.of(), NOW, Duration.ofSeconds(10)).orElseThrow().id();
      long withdrawn = ids.get(449);
      assertThat(queue.withdraw(withdrawn, NOW)).isTrue();
      long other = queue.enqueue(runId, "other", "other", List.of(), "{}", NOW);
      assertThat(queue.withdraw(other, NOW)).isTrue();

      // Over several queries (450 ids), and not the completed job nobody asked about.
      assertThat(queue.completedAmong(ids)).containsExactlyInAnyOrder(done, withdrawn);
      assertThat(queue.completedAmong(List.of(running))).isEmpty();
      assertThat(queue.completedAmong(List.of())).isEmpty();
    }
  }

  @Test
  void eventsKeptForTheOrchestratorAreTakenOnceInOrderAndGoWithTheRunWhenItIsInterrupted()
      throws InterruptedException {
    try (RunStore store = openStore()) {
      JobQueue queue = JobQueue.in(store);
      long agent = Agents.in(store).add("a", List.of(), "h1", NOW).id();
      long runId = run(store);
      long job = queue.enqueue(runId, "a", "a", List.of(), "{}", NOW);
      long waiting = queue.enqueue(runId, "b", "b", List.of("nobody-has-it"), "{}", NOW);
      assertThat(queue.claim(agent, List.of(), NOW, Duration.ofMinutes(1))).isPresent();
      // Its run is not in progress (nobody orchestrates it): nothing is kept.
      assertThat(queue.runInProgress(job)).isFalse();
      assertThat(queue.keepEvents(job, "[\"early\"]")).isFalse();

      assertThat(store.claimNext("orchestrator", Instant.now(), Duration.ofMillis(1))).isPresent();
      assertThat(queue.runInProgress(job)).isTrue();
      assertThat(queue.runInProgress(waiting)).as("not taken by an agent").isFalse();
      assertThat(queue.keepEvents(job, "[1]")).isTrue();
      assertThat(queue.keepEvents(job, "[2]")).isTrue();
      assertThat(queue.takeEvents(job)).containsExactly("[1]", "[2]");
      assertThat(queue.takeEvents(job)).isEmpty();
      assertThat(queue.keepEvents(job, "[3]")).isTrue();

      // The orchestrator stops renewing: the run is interrupted, its queued job withdrawn, the
      // events kept for it dropped, and no more are kept.
      List<RunHistory.RunRecord> expired = List.of();
      for (int i = 0; i < 200 && expired.isEmpty(); i++) {
        Thread.sleep(10);
        expired = store.expireLeases(Instant.now());
      }
      assertThat(expired).extracting(RunHistory.RunRecord::id).containsExactly(runId);
      assertThat(queue.find(waiting).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(queue.find(waiting).orElseThrow().result()).isNull();
      assertThat(queue.queuedOf(runId)).isEmpty();
      assertThat(queue.takeEvents(job)).isEmpty();
      assertThat(queue.runInProgress(job)).isFalse();
      assertThat(queue.keepEvents(job, "[4]")).isFalse();
      // The agent still holds its job: its result is taken when it posts it.
      assertThat(queue.complete(job, agent, "{}", NOW)).isTrue();
    }
  }

  @Test
  void concurrentClaimersOfTwoStoresTakeEveryJobExactlyOnce() throws Exception {
    int jobs = 60;
    try (RunStore first = openStore();
        RunStore second = openStore()) {
      long runId = run(first);
      long agent = Agents.in(first).add("a", List.of(), "h1", NOW).id();
      for (int i = 0; i < jobs; i++) {
        JobQueue.in(first).enqueue(runId, "j" + i, "j" + i, List.of(), "{}", NOW);
      }
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Callable<List<Long>>> claimers = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
          JobQueue queue = JobQueue.in(c % 2 == 0 ? first : second);
          claimers.add(
              () -> {
                List<Long> mine = new ArrayList<>();
                while (true) {
                  var job = queue.claim(agent, List.of(), NOW, Duration.ofMinutes(1));
                  if (job.isEmpty()) {
                    return mine;
                  }
                  mine.add(job.get().id());
                }
              });
        }
        List<Long> all = Collections.synchronizedList(new ArrayList<>());
        for (Future<List<Long>> f : pool.invokeAll(claimers)) {
          all.addAll(f.get());
        }
        assertThat(all).hasSize(jobs);
        assertThat(new HashSet<>(all)).hasSize(jobs);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
