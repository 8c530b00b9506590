package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.RunHistory.NewRun;
import io.gantry.runner.store.RunHistory.RunRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases are set and judged on the database's clock (issue 16, clock skew between machines): a
 * server whose clock runs minutes ahead of the others cannot take a run's lease, an agent's job's
 * or the outbox's while their holder renews them.
 */
class DatabaseClockLeasesTest {

  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration SKEW = Duration.ofMinutes(10);

  @TempDir Path dataDir;

  private RunStore store;

  /** The store under test: the embedded one; a subclass runs the same tests on PostgreSQL. */
  RunStore openStore() {
    return Stores.openEmbedded(dataDir);
  }

  @BeforeEach
  void open() {
    store = openStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aServerWhoseClockRunsAheadCannotExpireALiveRunLease() {
    RunRecord run = store.createRun(newRun());
    assertThat(store.claimNext("honest-server", Instant.now(), LEASE)).isPresent();
    Instant leaseEnd = store.details(run.id()).orElseThrow().leaseExpiresAt();

    // Ten minutes ahead: on its own clock the 30 s lease ran out long ago.
    assertThat(store.expireLeases(Instant.now().plus(SKEW))).isEmpty();

    RunHistory.RunDetails after = store.details(run.id()).orElseThrow();
    assertThat(after.run().status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(after.interrupted()).isFalse();
    assertThat(after.leaseOwner()).isEqualTo("honest-server");
    assertThat(store.renewLease(run.id(), "honest-server", LEASE)).isTrue();
    assertThat(store.details(run.id()).orElseThrow().leaseExpiresAt()).isAfterOrEqualTo(leaseEnd);
  }

  @Test
  void aLeaseNotRenewedRunsOutOnTheDatabasesClockWhateverTheCallersClockSays()
      throws InterruptedException {
    RunRecord run = store.createRun(newRun());
    assertThat(store.claimNext("dying-server", Instant.now(), Duration.ofMillis(1))).isPresent();
    // A clock ten minutes behind still sees the lease gone once the database's clock passed it.
    Instant behind = Instant.now().minus(SKEW);
    java.util.List<RunRecord> expired = java.util.List.of();
    for (int i = 0; i < 200 && expired.isEmpty(); i++) {
      Thread.sleep(10);
      expired = store.expireLeases(behind);
    }
    assertThat(expired).extracting(RunRecord::id).containsExactly(run.id());
    assertThat(store.details(run.id()).orElseThrow().interrupted()).isTrue();
    assertThat(store.renewLease(run.id(), "dying-server", LEASE)).isFalse();
  }

  @Test
  void aServerWhoseClockRunsAheadCannotExpireAnAgentsLiveJobLease() {
    JobQueue queue = JobQueue.in(store);
    long agent = Agents.in(store).add("agent", java.util.List.of(), "h", Instant.now()).id();
    long runId = store.createRun(newRun()).id();
    long job = queue.enqueue(runId, "build", "build", java.util.List.of(), "{}", Instant.now());
    assertThat(queue.claim(agent, java.util.List.of(), Instant.now(), LEASE)).isPresent();

    // Ten minutes ahead: on its own clock the 30 s lease ran out long ago.
    assertThat(queue.expireLeases(Instant.now().plus(SKEW))).isEmpty();
    assertThat(queue.find(job).orElseThrow().status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(queue.find(job).orElseThrow().interrupted()).isFalse();
    assertThat(queue.renew(job, agent, LEASE)).isTrue();
  }

  @Test
  void anAgentsJobLeaseNotRenewedRunsOutOnTheDatabasesClockWhateverTheCallersClockSays()
      throws InterruptedException {
    JobQueue queue = JobQueue.in(store);
    long agent = Agents.in(store).add("agent", java.util.List.of(), "h", Instant.now()).id();
    long runId = store.createRun(newRun()).id();
    long job = queue.enqueue(runId, "build", "build", java.util.List.of(), "{}", Instant.now());
    // A claimer whose clock is ten minutes ahead sets no longer a lease for it.
    assertThat(
            queue.claim(agent, java.util.List.of(), Instant.now().plus(SKEW), Duration.ofMillis(1)))
        .isPresent();
    Instant behind = Instant.now().minus(SKEW);
    java.util.List<JobQueue.QueuedJob> expired = java.util.List.of();
    for (int i = 0; i < 200 && expired.isEmpty(); i++) {
      Thread.sleep(10);
      expired = queue.expireLeases(behind);
    }
    assertThat(expired).extracting(JobQueue.QueuedJob::id).containsExactly(job);
    assertThat(queue.find(job).orElseThrow().interrupted()).isTrue();
    assertThat(queue.renew(job, agent, LEASE)).isFalse();
  }

  @Test
  void aServerWhoseClockRunsAheadCannotTakeTheOutboxFromItsLiveHolder() {
    assertThat(store.takeOutbox("honest-server", Instant.now(), Duration.ofMinutes(2))).isTrue();

    assertThat(store.takeOutbox("server-ahead", Instant.now().plus(SKEW), Duration.ofMinutes(2)))
        .isFalse();
    // The holder keeps it, and renews it.
    assertThat(store.takeOutbox("honest-server", Instant.now(), Duration.ofMinutes(2))).isTrue();
  }

  private static NewRun newRun() {
    return new NewRun(
        "acme/shop",
        "ci.yml",
        "Build",
        "on: push\njobs: {}\n",
        "push",
        "refs/heads/main",
        "0123456789abcdef0123456789abcdef01234567",
        Map.of(),
        "test",
        "{}",
        null,
        false);
  }
}
