package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.gantry.runner.store.CommitStatuses.NewStatus;
import io.gantry.runner.store.CommitStatuses.StatusRecord;
import io.gantry.runner.store.Deliveries.Delivery;
import io.gantry.runner.store.RunHistory.JobRecord;
import io.gantry.runner.store.RunHistory.NewRun;
import io.gantry.runner.store.RunHistory.RunDetails;
import io.gantry.runner.store.RunHistory.RunFilter;
import io.gantry.runner.store.RunHistory.RunRecord;
import io.gantry.runner.store.RunHistory.StepRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's queue: deliveries, claims and leases, cancel, filters, reruns and the outbox. */
class QueueTest {

  private static final Instant T0 = Instant.parse("2024-05-01T10:15:30.123Z");
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path dataDir;

  private RunStore store;

  /** The store under test: the embedded one; a subclass runs the same tests on PostgreSQL. */
  RunStore openStore() {
    return Stores.openEmbedded(dataDir);
  }

  /** What a store process of its own opens to reach the same database ({@link StoreProcess}). */
  String location() {
    return dataDir.toString();
  }

  @BeforeEach
  void open() {
    store = openStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  // ---- Deliveries ----

  @Test
  void aDeliveryIsRecordedOncePerForgeAndId() {
    assertThat(store.recordDelivery(delivery("github", "d-1"))).isTrue();
    assertThat(store.recordDelivery(delivery("github", "d-1"))).isFalse();
    assertThat(
            store.recordDelivery(
                new Delivery("github", "d-1", "acme/other", "ping", T0.plusSeconds(5))))
        .isFalse();
    assertThat(store.recordDelivery(delivery("gitea", "d-1"))).isTrue();
    assertThat(store.recordDelivery(delivery("github", "d-2"))).isTrue();
  }

  @Test
  void concurrentRedeliveriesOfOneIdAreRecordedExactlyOnce() throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 20; i++) {
        String id = "d-" + i;
        CountDownLatch start = new CountDownLatch(1);
        Callable<Boolean> record =
            () -> {
              start.await();
              return store.recordDelivery(delivery("github", id));
            };
        Future<Boolean> first = executor.submit(record);
        Future<Boolean> second = executor.submit(record);
        start.countDown();

        assertThat(List.of(first.get(60, TimeUnit.SECONDS), second.get(60, TimeUnit.SECONDS)))
            .containsExactlyInAnyOrder(true, false);
      }
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void aBurstOfDeliveriesCommittedTogetherKeepsEachAnswer() throws Exception {
    // 16 senders each deliver the same 100 ids: group commits mix new ids and duplicates,
    // also duplicates of one another within one batch.
    ExecutorService executor = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> senders = new java.util.ArrayList<>();
      for (int t = 0; t < 16; t++) {
        senders.add(
            executor.submit(
                () -> {
                  start.await();
                  int recorded = 0;
                  for (int i = 0; i < 100; i++) {
                    recorded += store.recordDelivery(delivery("github", "burst-" + i)) ? 1 : 0;
                  }
                  return recorded;
                }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> sender : senders) {
        total += sender.get(120, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(100);
      for (int i = 0; i < 100; i++) {
        assertThat(store.recordDelivery(delivery("github", "burst-" + i))).isFalse();
      }
    } finally {
      executor.shutdownNow();
    }
  }

  // ---- Details ----

  @Test
  void detailsHoldEverythingTheRunWasCreatedWith() {
    RunRecord run =
        store.createRun(
            new NewRun(
                "acme/shop",
                "deploy.yml",
                "Deploy",
                "on: workflow_dispatch\n",
                "workflow_dispatch",
                "refs/heads/main",
                SHA,
                Map.of("environment", "staging"),
                "api: alice",
                "{\"ref\":\"refs/heads/main\"}",
                "deploy-main",
                true));

    RunDetails details = store.details(run.id()).orElseThrow();

    assertThat(details)
        .isEqualTo(
            new RunDetails(
                run,
                "on: workflow_dispatch\n",
                "{\"ref\":\"refs/heads/main\"}",
                Map.of("environment", "staging"),
                "api: alice",
                "deploy-main",
                true,
                null,
                null,
                null,
                null,
                false,
                false,
                false));
    assertThat(store.details(4242)).isEmpty();
  }

  @Test
  void aWaitingReasonIsShownUntilClearedOrTheRunStarts() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));

    store.setWaitingReason(run.id(), "waiting for a free worker");
    assertThat(store.details(run.id()).orElseThrow().waitingReason())
        .isEqualTo("waiting for a free worker");
    store.setWaitingReason(run.id(), null);
    assertThat(store.details(run.id()).orElseThrow().waitingReason()).isNull();

    store.setWaitingReason(run.id(), "waiting for concurrency group deploy");
    store.claimNext("w1", T0, LEASE);
    assertThat(store.details(run.id()).orElseThrow().waitingReason()).isNull();
    assertThatThrownBy(() -> store.setWaitingReason(4242, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No run with id 4242");
  }

  // ---- Claims ----

  @Test
  void runsAreClaimedOldestFirstAndBecomeInProgressUnderTheClaimersLease() {
    RunRecord first = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord second = store.createRun(newRun("acme/blog", "refs/heads/main", null));
    RunRecord third = store.createRun(newRun("acme/shop", "refs/heads/main", null));

    Instant before = Instant.now();
    RunRecord claimed = store.claimNext("worker-1", T0, LEASE).orElseThrow();
    Instant after = Instant.now();

    assertThat(claimed.id()).isEqualTo(first.id());
    assertThat(claimed.status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(claimed.startedAt()).isEqualTo(T0);
    assertThat(store.findRun(first.id())).contains(claimed);
    RunDetails details = store.details(first.id()).orElseThrow();
    assertThat(details.leaseOwner()).isEqualTo("worker-1");
    // On the database's clock (the same machine's here; a millisecond either way for rounding).
    assertThat(details.leaseExpiresAt())
        .isBetween(before.plus(LEASE).minusMillis(1), after.plus(LEASE).plusMillis(1));
    assertThat(claimIds("worker-2")).containsExactly(second.id(), third.id());
    assertThat(store.claimNext("worker-1", T0, LEASE)).isEmpty();
  }

  @Test
  void aRunOfAConcurrencyGroupWaitsForTheRunningOneOfItsGroupAndTheGroupStartsInOrder() {
    RunRecord deploy1 = store.createRun(newRun("acme/shop", "refs/heads/main", "deploy"));
    RunRecord deploy2 = store.createRun(newRun("acme/shop", "refs/heads/main", "deploy"));
    RunRecord other = store.createRun(newRun("acme/shop", "refs/heads/main", "other"));
    RunRecord none = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord deploy3 = store.createRun(newRun("acme/shop", "refs/heads/main", "deploy"));
    // Groups belong to a repository, as on GitHub: another repository's "deploy" is not held up.
    RunRecord elsewhere = store.createRun(newRun("acme/blog", "refs/heads/main", "deploy"));

    assertThat(claimIds("w")).containsExactly(deploy1.id(), other.id(), none.id(), elsewhere.id());

    store.runFinished(deploy1.id(), Result.SUCCESS, T0.plusSeconds(1));
    assertThat(claimIds("w")).containsExactly(deploy2.id());

    store.runFinished(deploy2.id(), Result.FAILURE, T0.plusSeconds(2));
    assertThat(claimIds("w")).containsExactly(deploy3.id());
  }

  @Test
  void aCancelledRunNoLongerHoldsBackItsGroup() {
    RunRecord deploy1 = store.createRun(newRun("acme/shop", "refs/heads/main", "deploy"));
    RunRecord deploy2 = store.createRun(newRun("acme/shop", "refs/heads/main", "deploy"));
    RunRecord deploy3 = store.createRun(newRun("acme/shop", "refs/heads/main", "deploy"));
    assertThat(claimIds("w")).containsExactly(deploy1.id());

    store.requestCancel(deploy2.id(), T0);
    store.runFinished(deploy1.id(), Result.SUCCESS, T0);

    assertThat(claimIds("w")).containsExactly(deploy3.id());
  }

  @Test
  void fourThreadsClaimingTwentyRunsClaimEachExactlyOnce() throws Exception {
    Set<Long> created = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      created.add(store.createRun(newRun("acme/shop", "refs/heads/main", null)).id());
    }
    int threads = 4;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String owner = "worker-" + i;
        futures.add(
            executor.submit(
                () -> {
                  start.await();
                  return claimIds(owner);
                }));
      }
      start.countDown();
      List<Long> claimed = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        List<Long> ids = futures.get(i).get(60, TimeUnit.SECONDS);
        claimed.addAll(ids);
        for (long id : ids) {
          assertThat(store.details(id).orElseThrow().leaseOwner()).isEqualTo("worker-" + i);
        }
      }

      assertThat(claimed).hasSize(20).doesNotHaveDuplicates();
      assertThat(new HashSet<>(claimed)).isEqualTo(created);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void threadsWorkingThroughOneGroupRunItOneAtATimeInOrder() throws Exception {
    List<Long> created = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      created.add(store.createRun(newRun("acme/shop", "refs/heads/main", "deploy")).id());
    }
    List<Long> started = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    int threads = 4;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String owner = "worker-" + i;
        futures.add(
            executor.submit(
                () -> {
                  start.await();
                  long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                  while (started.size() < created.size() && System.nanoTime() < deadline) {
                    Optional<RunRecord> claimed = store.claimNext(owner, Instant.now(), LEASE);
                    if (claimed.isEmpty()) {
                      Thread.sleep(1);
                      continue;
                    }
                    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                    started.add(claimed.get().id());
                    running.decrementAndGet();
                    store.runFinished(claimed.get().id(), Result.SUCCESS, Instant.now());
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(90, TimeUnit.SECONDS);
      }

      assertThat(started).isEqualTo(created);
      assertThat(mostAtOnce.get()).isEqualTo(1);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void aSecondProcessClaimingAtTheSameTimeNeverTakesARunThisOneTook() throws Exception {
    Set<Long> created = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      created.add(store.createRun(newRun("acme/shop", "refs/heads/main", null)).id());
    }
    Path errors = dataDir.resolve("claim-stderr.txt");
    Process other =
        StoreProcess.start(
            ProcessBuilder.Redirect.to(errors.toFile()), "claim", location(), "other-process");
    List<Long> theirs = new ArrayList<>();
    List<Long> mine;
    try {
      BufferedReader output =
          new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
      assertThat(output.readLine()).isEqualTo("ready");
      OutputStream input = other.getOutputStream();
      input.write("go\n".getBytes(StandardCharsets.UTF_8));
      input.flush();

      mine = claimIds("this-process");

      for (String line = output.readLine(); !"done".equals(line); line = output.readLine()) {
        assertThat(line).as("output of the claiming process; stderr: %s", errors).isNotNull();
        theirs.add(Long.parseLong(line));
      }
      assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(other.exitValue()).isZero();
      assertThat(Files.readString(errors)).isEmpty();
    } finally {
      other.getOutputStream().close();
      if (!other.waitFor(30, TimeUnit.SECONDS)) {
        other.destroyForcibly();
      }
    }

    List<Long> all = new ArrayList<>(mine);
    all.addAll(theirs);
    assertThat(all).hasSize(200).doesNotHaveDuplicates();
    assertThat(new HashSet<>(all)).isEqualTo(created);
    assertThat(mine).isNotEmpty();
    assertThat(theirs).isNotEmpty();
    for (long id : theirs) {
      assertThat(store.details(id).orElseThrow().leaseOwner()).isEqualTo("other-process");
    }
  }

  @Test
  void theOutboxIsDrainedByOneOwnerAtATimeUntilReleasedOrExpired() throws InterruptedException {
    Duration lease = Duration.ofMinutes(2);
    assertThat(store.takeOutbox("server-a", T0, lease)).isTrue();
    assertThat(store.takeOutbox("server-b", T0.plusSeconds(1), lease)).isFalse();
    // The holder renews it.
    assertThat(store.takeOutbox("server-a", T0.plusSeconds(100), lease)).isTrue();
    assertThat(store.takeOutbox("server-b", T0.plusSeconds(130), lease)).isFalse();
    store.releaseOutbox("server-b"); // not the holder: changes nothing
    assertThat(store.takeOutbox("server-b", T0.plusSeconds(131), lease)).isFalse();
    store.releaseOutbox("server-a");
    assertThat(store.takeOutbox("server-b", T0.plusSeconds(132), lease)).isTrue();
    assertThat(store.takeOutbox("server-a", T0.plusSeconds(133), lease)).isFalse();
    // A holder that died loses it when it expires (on the database's clock: see
    // DatabaseClockLeasesTest): here its last renewal was for a moment only.
    assertThat(store.takeOutbox("server-b", T0.plusSeconds(134), Duration.ofMillis(1))).isTrue();
    boolean taken = false;
    for (int i = 0; i < 200 && !taken; i++) {
      Thread.sleep(10);
      taken = store.takeOutbox("server-a", T0.plusSeconds(135), lease);
    }
    assertThat(taken).isTrue();
  }

  @Test
  void aHolderKnownToBeGoneLosesTheOutboxBeforeItsLeaseExpires() {
    Duration lease = Duration.ofMinutes(2);
    assertThat(store.takeOutbox("killed", T0, lease)).isTrue();
    assertThat(store.takeOutbox("next", T0.plusSeconds(1), lease, holder -> false)).isFalse();
    assertThat(store.takeOutbox("next", T0.plusSeconds(1), lease, "killed"::equals)).isTrue();
    // The new holder is not taken for gone by a predicate naming the old one.
    assertThat(store.takeOutbox("third", T0.plusSeconds(2), lease, "killed"::equals)).isFalse();
  }

  // ---- Leases ----

  @Test
  void onlyTheOwnerRenewsALeaseAndOnlyWhileTheRunIsInProgress() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    store.claimNext("w1", T0, LEASE);

    assertThat(store.renewLease(run.id(), "w1", T0.plusSeconds(60))).isTrue();
    assertThat(store.details(run.id()).orElseThrow().leaseExpiresAt())
        .isEqualTo(T0.plusSeconds(60));

    assertThat(store.renewLease(run.id(), "w2", T0.plusSeconds(90))).isFalse();
    assertThat(store.details(run.id()).orElseThrow().leaseExpiresAt())
        .isEqualTo(T0.plusSeconds(60));

    store.runFinished(run.id(), Result.SUCCESS, T0.plusSeconds(10));
    assertThat(store.renewLease(run.id(), "w1", T0.plusSeconds(90))).isFalse();
    assertThat(store.renewLease(4242, "w1", T0.plusSeconds(90))).isFalse();
  }

  @Test
  void anExpiredLeaseConcludesTheRunAsAnInterruptedFailureWithItsUnfinishedJobsAndSteps() {
    RunRecord dead = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord alive = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord local = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord queued = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    store.claimNext("dead-worker", T0, LEASE);
    store.claimNext("live-worker", T0, LEASE);
    store.renewLease(alive.id(), "live-worker", LEASE);
    // A run executed without a worker (gantry run) has no lease and never expires.
    store.runStarted(local.id(), T0);

    long done = store.createJob(dead.id(), "lint", "lint");
    store.jobStarted(done, T0);
    long doneStep = store.stepStarted(done, 1, "Lint", T0);
    store.stepFinished(doneStep, Result.SUCCESS, Result.SUCCESS, Map.of(), T0.plusSeconds(1));
    store.jobFinished(done, Result.SUCCESS, Map.of(), T0.plusSeconds(1));
    long running = store.createJob(dead.id(), "test", "test");
    store.jobStarted(running, T0);
    long passed = store.stepStarted(running, 1, "Checkout", T0);
    store.stepFinished(passed, Result.SUCCESS, Result.SUCCESS, Map.of(), T0.plusSeconds(2));
    long cut = store.stepStarted(running, 2, "Test", T0.plusSeconds(2));
    long waiting = store.createJob(dead.id(), "deploy", "deploy");

    assertThat(store.expireLeases(T0.plus(LEASE))).isEmpty();
    // The dead worker's lease runs out (its last renewal was for a time long past).
    assertThat(store.renewLease(dead.id(), "dead-worker", T0)).isTrue();

    Instant now = T0.plusSeconds(60);
    List<RunRecord> expired = store.expireLeases(now);

    RunRecord after = store.findRun(dead.id()).orElseThrow();
    assertThat(expired).containsExactly(after);
    assertThat(after.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(after.conclusion()).isEqualTo(Result.FAILURE);
    assertThat(after.startedAt()).isEqualTo(T0);
    assertThat(after.finishedAt()).isEqualTo(now);
    assertThat(store.details(dead.id()).orElseThrow().interrupted()).isTrue();
    assertThat(store.jobsOf(dead.id()))
        .extracting(JobRecord::id, JobRecord::status, JobRecord::conclusion, JobRecord::finishedAt)
        .containsExactly(
            tuple(done, RunStatus.COMPLETED, Result.SUCCESS, T0.plusSeconds(1)),
            tuple(running, RunStatus.COMPLETED, Result.FAILURE, now),
            tuple(waiting, RunStatus.COMPLETED, Result.FAILURE, now));
    assertThat(store.stepsOf(running))
        .extracting(
            StepRecord::id,
            StepRecord::status,
            StepRecord::outcome,
            StepRecord::conclusion,
            StepRecord::finishedAt)
        .containsExactly(
            tuple(passed, RunStatus.COMPLETED, Result.SUCCESS, Result.SUCCESS, T0.plusSeconds(2)),
            tuple(cut, RunStatus.COMPLETED, Result.FAILURE, Result.FAILURE, now));
    assertThat(store.stepsOf(done))
        .extracting(StepRecord::conclusion)
        .containsExactly(Result.SUCCESS);

    assertThat(store.findRun(alive.id()).orElseThrow().status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(store.details(alive.id()).orElseThrow().interrupted()).isFalse();
    assertThat(store.findRun(local.id()).orElseThrow().status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(store.findRun(queued.id()).orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
    assertThat(store.expireLeases(now)).isEmpty();
    assertThat(store.renewLease(dead.id(), "dead-worker", now.plus(LEASE))).isFalse();
  }

  // ---- Cancel ----

  @Test
  void cancellingAQueuedRunConcludesItAtOnceSoNoWorkerClaimsIt() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    store.setWaitingReason(run.id(), "waiting for a free worker");

    RunRecord cancelled = store.requestCancel(run.id(), T0);

    assertThat(cancelled.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(cancelled.conclusion()).isEqualTo(Result.CANCELLED);
    assertThat(cancelled.finishedAt()).isEqualTo(T0);
    assertThat(store.findRun(run.id())).contains(cancelled);
    assertThat(store.details(run.id()).orElseThrow().waitingReason()).isNull();
    assertThat(store.claimNext("w", T0, LEASE)).isEmpty();
  }

  @Test
  void cancellingAnInProgressRunFlagsItForItsWorkerAndLeavesItRunning() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord claimed = store.claimNext("w", T0, LEASE).orElseThrow();
    assertThat(store.cancelRequested(run.id())).isFalse();

    RunRecord after = store.requestCancel(run.id(), T0.plusSeconds(1));

    assertThat(after).isEqualTo(claimed);
    assertThat(store.cancelRequested(run.id())).isTrue();
    assertThat(store.details(run.id()).orElseThrow().cancelRequested()).isTrue();
  }

  @Test
  void cancellingACompletedRunChangesNothing() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    store.runFinished(run.id(), Result.SUCCESS, T0);
    RunRecord finished = store.findRun(run.id()).orElseThrow();

    assertThat(store.requestCancel(run.id(), T0.plusSeconds(1))).isEqualTo(finished);
    assertThat(store.cancelRequested(run.id())).isFalse();
    assertThatThrownBy(() -> store.requestCancel(4242, T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No run with id 4242");
    assertThatThrownBy(() -> store.cancelRequested(4242))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No run with id 4242");
  }

  // ---- Listing ----

  @Test
  void runsAreListedByRepositoryBranchAndStatusOrConclusionNewestFirst() {
    RunRecord shopMain = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord shopFeature = store.createRun(newRun("acme/shop", "refs/heads/feature/x", null));
    RunRecord blogMain = store.createRun(newRun("acme/blog", "refs/heads/main", null));
    RunRecord shopTag = store.createRun(newRun("acme/shop", "refs/tags/v1", null));
    RunRecord shopMainAgain = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    store.runFinished(shopMain.id(), Result.SUCCESS, T0);
    store.runFinished(shopFeature.id(), Result.FAILURE, T0);
    store.claimNext("w", T0, LEASE); // blogMain

    assertThat(ids(new RunFilter("acme/shop", null, null, 0)))
        .containsExactly(shopMainAgain.id(), shopTag.id(), shopFeature.id(), shopMain.id());
    assertThat(ids(new RunFilter(null, "main", null, 0)))
        .containsExactly(shopMainAgain.id(), blogMain.id(), shopMain.id());
    assertThat(ids(new RunFilter(null, "feature/x", null, 0))).containsExactly(shopFeature.id());
    assertThat(ids(new RunFilter(null, "refs/tags/v1", null, 0))).containsExactly(shopTag.id());
    assertThat(ids(new RunFilter(null, "v1", null, 0))).isEmpty();
    assertThat(ids(new RunFilter(null, null, "QUEUED", 0)))
        .containsExactly(shopMainAgain.id(), shopTag.id());
    assertThat(ids(new RunFilter(null, null, "in_progress", 0))).containsExactly(blogMain.id());
    assertThat(ids(new RunFilter(null, null, "COMPLETED", 0)))
        .containsExactly(shopFeature.id(), shopMain.id());
    assertThat(ids(new RunFilter(null, null, "failure", 0))).containsExactly(shopFeature.id());
    assertThat(ids(new RunFilter(null, null, "success", 0))).containsExactly(shopMain.id());
    assertThat(ids(new RunFilter("acme/shop", "main", "queued", 0)))
        .containsExactly(shopMainAgain.id());
    assertThat(ids(new RunFilter("acme/nothing", null, null, 0))).isEmpty();
    assertThat(ids(new RunFilter(null, null, null, 2)))
        .containsExactly(shopMainAgain.id(), shopTag.id());
    assertThat(store.listRuns((RunFilter) null)).hasSize(5);
  }

  @Test
  void theLimitDefaultsToTwentyAndStopsAtFiveHundred() {
    for (int i = 0; i < 501; i++) {
      store.createRun(newRun("acme/shop", "refs/heads/main", null));
    }

    assertThat(store.listRuns(new RunFilter(null, null, null, 0))).hasSize(20);
    assertThat(store.listRuns(new RunFilter(null, null, null, -1))).hasSize(20);
    assertThat(store.listRuns(new RunFilter(null, null, null, 1000))).hasSize(500);
    assertThat(store.listRuns(new RunFilter(null, null, null, 500)).get(0).runNumber())
        .isEqualTo(501);
    assertThat(store.listRuns(501)).hasSize(501);
  }

  // ---- Reruns ----

  @Test
  void aRerunCopiesTheRunAndCountsAttemptsPerRunNumber() {
    RunRecord original =
        store.createRun(
            new NewRun(
                "acme/shop",
                "ci.yml",
                "CI",
                "on: push\njobs: {}\n",
                "push",
                "refs/heads/main",
                SHA,
                Map.of("level", "full"),
                "push by bob",
                "{\"after\":\"" + SHA + "\"}",
                "ci-main",
                true));
    store.claimNext("w", T0, LEASE);
    store.requestCancel(original.id(), T0);
    store.runFinished(original.id(), Result.FAILURE, T0.plusSeconds(5));

    RunRecord rerun = store.createRerun(original.id(), "rerun by alice", T0.plusSeconds(60));

    assertThat(rerun)
        .isEqualTo(
            new RunRecord(
                rerun.id(),
                original.runNumber(),
                2,
                "acme/shop",
                "ci.yml",
                "CI",
                "push",
                "refs/heads/main",
                SHA,
                RunStatus.QUEUED,
                null,
                T0.plusSeconds(60),
                null,
                null));
    assertThat(rerun.id()).isNotEqualTo(original.id());
    assertThat(store.findRun(rerun.id())).contains(rerun);
    assertThat(store.details(rerun.id()).orElseThrow())
        .isEqualTo(
            new RunDetails(
                rerun,
                "on: push\njobs: {}\n",
                "{\"after\":\"" + SHA + "\"}",
                Map.of("level", "full"),
                "rerun by alice",
                "ci-main",
                true,
                original.id(),
                null,
                null,
                null,
                false,
                false,
                false));

    RunRecord failedOnly = store.createRerun(original.id(), "again", T0, true);
    assertThat(failedOnly.attempt()).isEqualTo(3);
    assertThat(store.details(failedOnly.id()).orElseThrow().failedOnly()).isTrue();
    assertThat(store.details(rerun.id()).orElseThrow().failedOnly()).isFalse();
    RunRecord ofTheRerun = store.createRerun(rerun.id(), "again", T0);
    assertThat(ofTheRerun.attempt()).isEqualTo(4);
    assertThat(ofTheRerun.runNumber()).isEqualTo(original.runNumber());
    assertThat(store.details(ofTheRerun.id()).orElseThrow().rerunOf()).isEqualTo(rerun.id());
    // Reruns take no new run number.
    assertThat(store.createRun(newRun("acme/shop", "refs/heads/main", null)).runNumber())
        .isEqualTo(original.runNumber() + 1);
    assertThatThrownBy(() -> store.createRerun(4242, "x", T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No run with id 4242");
  }

  @Test
  void concurrentRerunsOfOneRunGetDistinctAttempts() throws Exception {
    RunRecord original = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    int threads = 4;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<RunRecord>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(
            executor.submit(
                () -> {
                  start.await();
                  return store.createRerun(original.id(), "rerun", T0);
                }));
      }
      start.countDown();
      List<Integer> attempts = new ArrayList<>();
      for (Future<RunRecord> future : futures) {
        attempts.add(future.get(60, TimeUnit.SECONDS).attempt());
      }

      assertThat(attempts).containsExactlyInAnyOrder(2, 3, 4, 5);
    } finally {
      executor.shutdownNow();
    }
  }

  // ---- The outbox ----

  @Test
  void statusesAreDueFromTheirTimeOldestFirstUntilDeliveredOrGivenUp() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));
    RunRecord other = store.createRun(newRun("acme/blog", "refs/heads/main", null));
    long pending = store.enqueueStatus(status(run.id(), "pending", T0));
    long blog = store.enqueueStatus(status(other.id(), "pending", T0.plusSeconds(5)));
    long success = store.enqueueStatus(status(run.id(), "success", T0.plusSeconds(10)));

    assertThat(dueIds(T0.minusMillis(1), 10)).isEmpty();
    assertThat(dueIds(T0, 10)).containsExactly(pending);
    assertThat(dueIds(T0.plusSeconds(10), 10)).containsExactly(pending, blog, success);
    assertThat(dueIds(T0.plusSeconds(10), 2)).containsExactly(pending, blog);

    store.statusFailed(pending, "HTTP 500 from api.github.com", T0.plusSeconds(30));
    assertThat(dueIds(T0.plusSeconds(10), 10)).containsExactly(blog, success);
    assertThat(dueIds(T0.plusSeconds(30), 10)).containsExactly(pending, blog, success);

    store.statusDelivered(success, T0.plusSeconds(11));
    store.statusFailed(blog, "x".repeat(2000), null);
    store.statusFailed(pending, "HTTP 502 from api.github.com", T0.plusSeconds(90));
    assertThat(dueIds(T0.plusSeconds(30), 10)).isEmpty();
    assertThat(dueIds(T0.plus(Duration.ofDays(365)), 10)).containsExactly(pending);
    store.statusDelivered(pending, T0.plusSeconds(91));
    assertThat(dueIds(T0.plus(Duration.ofDays(365)), 10)).isEmpty();

    assertThat(store.statusesOf(run.id()))
        .containsExactly(
            new StatusRecord(
                pending,
                run.id(),
                "acme/shop",
                SHA,
                CommitState.PENDING,
                "gantry/Build",
                "pending run",
                "http://localhost:8080/api/runs/" + run.id(),
                2,
                "HTTP 502 from api.github.com",
                T0.plusSeconds(90),
                T0.plusSeconds(91)),
            new StatusRecord(
                success,
                run.id(),
                "acme/shop",
                SHA,
                CommitState.SUCCESS,
                "gantry/Build",
                "success run",
                "http://localhost:8080/api/runs/" + run.id(),
                0,
                null,
                T0.plusSeconds(10),
                T0.plusSeconds(11)));
    StatusRecord givenUp = store.statusesOf(other.id()).get(0);
    assertThat(givenUp.attempts()).isEqualTo(1);
    assertThat(givenUp.lastError()).isEqualTo("x".repeat(500));
    assertThat(givenUp.nextAttemptAt()).isNull();
    assertThat(givenUp.deliveredAt()).isNull();
  }

  @Test
  void theOutboxRejectsUnknownRunsStatusesAndStates() {
    RunRecord run = store.createRun(newRun("acme/shop", "refs/heads/main", null));

    assertThatThrownBy(() -> store.enqueueStatus(status(4242, "pending", T0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No run with id 4242");
    assertThatThrownBy(() -> store.enqueueStatus(status(run.id(), "passed", T0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("state must be one of pending, success, failure or error, not passed");
    assertThatThrownBy(() -> store.statusDelivered(4343, T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No status with id 4343");
    assertThatThrownBy(() -> store.statusFailed(4343, "x", T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No status with id 4343");
    assertThatThrownBy(() -> store.statusesOf(4242))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No run with id 4242");
    assertThat(store.statusesOf(run.id())).isEmpty();
  }

  @Test
  void anErrorIsCutToFiveHundredCharactersWithoutSplittingACharacter() {
    String emoji = "\uD83D\uDE80";
    assertThat(JdbcRunStore.truncate("x".repeat(499) + emoji, 500)).isEqualTo("x".repeat(499));
    assertThat(JdbcRunStore.truncate("x".repeat(498) + emoji, 500))
        .isEqualTo("x".repeat(498) + emoji);
    assertThat(JdbcRunStore.truncate("short", 500)).isEqualTo("short");
    assertThat(JdbcRunStore.truncate(null, 500)).isNull();
  }

  // ---- Helpers ----

  private List<Long> claimIds(String owner) {
    List<Long> ids = new ArrayList<>();
    Optional<RunRecord> claimed;
    while ((claimed = store.claimNext(owner, T0, LEASE)).isPresent()) {
      ids.add(claimed.get().id());
    }
    return ids;
  }

  private List<Long> ids(RunFilter filter) {
    return store.listRuns(filter).stream().map(RunRecord::id).toList();
  }

  private List<Long> dueIds(Instant now, int limit) {
    return store.dueStatuses(now, limit).stream().map(StatusRecord::id).toList();
  }

  private static Delivery delivery(String forge, String id) {
    return new Delivery(forge, id, "acme/shop", "push", T0);
  }

  private static NewStatus status(long runId, String state, Instant at) {
    return new NewStatus(
        runId,
        "acme/shop",
        SHA,
        CommitState.parse(state),
        "gantry/Build",
        state + " run",
        "http://localhost:8080/api/runs/" + runId,
        at);
  }

  private static NewRun newRun(String repository, String ref, String group) {
    return new NewRun(
        repository,
        "ci.yml",
        "Build",
        "on: push\njobs: {}\n",
        "push",
        ref,
        SHA,
        Map.of(),
        "test",
        "{}",
        group,
        false);
  }
}
