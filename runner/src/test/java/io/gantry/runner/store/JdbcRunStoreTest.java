package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.store.RunHistory.JobRecord;
import io.gantry.runner.store.RunHistory.NewRun;
import io.gantry.runner.store.RunHistory.RunRecord;
import io.gantry.runner.store.RunHistory.StepRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdbcRunStoreTest {

  private static final Instant T0 = Instant.parse("2024-05-01T10:15:30.123Z");

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
  void aRunWithItsJobsAndStepsAndOutputsReadsBackAsWritten() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    RunRecord created =
        store.createRun(
            new NewRun(
                "acme/shop",
                ".github/workflows/deploy.yml",
                "Deploy",
                "name: Deploy\non: push\n",
                "workflow_dispatch",
                "refs/heads/main",
                "0123456789abcdef0123456789abcdef01234567",
                Map.of("environment", "staging"),
                "manual",
                "{}",
                null,
                false));
    long build = store.createJob(created.id(), "build", "build (ubuntu, 17)");
    long deploy = store.createJob(created.id(), "deploy", "deploy");
    long checkout = store.stepStarted(build, 1, "Checkout", T0);
    long compile = store.stepStarted(build, 2, "Compile", T0.plusMillis(10));
    store.stepFinished(checkout, Result.SUCCESS, Result.SUCCESS, Map.of(), T0.plusMillis(5));
    store.stepFinished(
        compile,
        Result.FAILURE,
        Result.SUCCESS,
        orderedMap("jar", "app.jar", "digest", "sha256:1"),
        T0.plusMillis(20));
    store.jobFinished(
        build, Result.SUCCESS, orderedMap("image", "shop:1", "tag", "1"), T0.plusMillis(30));

    RunRecord found = store.findRun(created.id()).orElseThrow();
    assertThat(found).isEqualTo(created);
    assertThat(found.runNumber()).isEqualTo(1);
    assertThat(found.attempt()).isEqualTo(1);
    assertThat(found.repository()).isEqualTo("acme/shop");
    assertThat(found.workflowFile()).isEqualTo(".github/workflows/deploy.yml");
    assertThat(found.workflowName()).isEqualTo("Deploy");
    assertThat(found.event()).isEqualTo("workflow_dispatch");
    assertThat(found.ref()).isEqualTo("refs/heads/main");
    assertThat(found.sha()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
    assertThat(found.status()).isEqualTo(RunStatus.QUEUED);
    assertThat(found.conclusion()).isNull();
    assertThat(found.createdAt()).isBetween(before, Instant.now());
    assertThat(found.startedAt()).isNull();
    assertThat(found.finishedAt()).isNull();

    List<JobRecord> jobs = store.jobsOf(created.id());
    assertThat(jobs)
        .containsExactly(
            new JobRecord(
                build,
                created.id(),
                "build",
                "build (ubuntu, 17)",
                RunStatus.COMPLETED,
                Result.SUCCESS,
                Map.of("image", "shop:1", "tag", "1"),
                null,
                T0.plusMillis(30)),
            new JobRecord(
                deploy,
                created.id(),
                "deploy",
                "deploy",
                RunStatus.QUEUED,
                null,
                Map.of(),
                null,
                null));

    assertThat(store.stepsOf(build))
        .containsExactly(
            new StepRecord(
                checkout,
                build,
                1,
                "Checkout",
                RunStatus.COMPLETED,
                Result.SUCCESS,
                Result.SUCCESS,
                Map.of(),
                T0,
                T0.plusMillis(5)),
            new StepRecord(
                compile,
                build,
                2,
                "Compile",
                RunStatus.COMPLETED,
                Result.FAILURE,
                Result.SUCCESS,
                Map.of("jar", "app.jar", "digest", "sha256:1"),
                T0.plusMillis(10),
                T0.plusMillis(20)));
    assertThat(store.stepsOf(deploy)).isEmpty();
  }

  @Test
  void outputsKeepTheOrderTheyWereGivenIn() {
    RunRecord run = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
    long job = store.createJob(run.id(), "build", "build");
    Map<String, String> outputs = orderedMap("zeta", "1", "alpha", "2", "mid", "3");
    store.jobFinished(job, Result.SUCCESS, outputs, T0);

    assertThat(store.jobsOf(run.id()).get(0).outputs().keySet())
        .containsExactly("zeta", "alpha", "mid");
  }

  @Test
  void aRunGoesFromQueuedToInProgressToCompletedWithItsTimes() {
    RunRecord run = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
    assertThat(run.status()).isEqualTo(RunStatus.QUEUED);

    store.runStarted(run.id(), T0);
    RunRecord started = store.findRun(run.id()).orElseThrow();
    assertThat(started.status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(started.startedAt()).isEqualTo(T0);
    assertThat(started.finishedAt()).isNull();
    assertThat(started.conclusion()).isNull();

    store.runFinished(run.id(), Result.FAILURE, T0.plusSeconds(90));
    RunRecord finished = store.findRun(run.id()).orElseThrow();
    assertThat(finished.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(finished.conclusion()).isEqualTo(Result.FAILURE);
    assertThat(finished.startedAt()).isEqualTo(T0);
    assertThat(finished.finishedAt()).isEqualTo(T0.plusSeconds(90));
  }

  @Test
  void aJobGoesFromQueuedToInProgressToCompletedAndAStepFromInProgressToCompleted() {
    RunRecord run = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
    long job = store.createJob(run.id(), "test", "test");
    assertThat(store.jobsOf(run.id()).get(0).status()).isEqualTo(RunStatus.QUEUED);

    store.jobStarted(job, T0);
    JobRecord started = store.jobsOf(run.id()).get(0);
    assertThat(started.status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(started.startedAt()).isEqualTo(T0);

    long step = store.stepStarted(job, 1, "Run tests", T0.plusMillis(1));
    StepRecord running = store.stepsOf(job).get(0);
    assertThat(running.status()).isEqualTo(RunStatus.IN_PROGRESS);
    assertThat(running.startedAt()).isEqualTo(T0.plusMillis(1));
    assertThat(running.outcome()).isNull();
    assertThat(running.conclusion()).isNull();
    assertThat(running.finishedAt()).isNull();

    store.stepFinished(step, Result.CANCELLED, Result.CANCELLED, null, T0.plusMillis(2));
    StepRecord done = store.stepsOf(job).get(0);
    assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(done.outcome()).isEqualTo(Result.CANCELLED);
    assertThat(done.outputs()).isEmpty();
    assertThat(done.finishedAt()).isEqualTo(T0.plusMillis(2));

    store.jobFinished(job, Result.CANCELLED, Map.of(), T0.plusMillis(3));
    JobRecord finished = store.jobsOf(run.id()).get(0);
    assertThat(finished.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(finished.conclusion()).isEqualTo(Result.CANCELLED);
    assertThat(finished.startedAt()).isEqualTo(T0);
    assertThat(finished.finishedAt()).isEqualTo(T0.plusMillis(3));
  }

  @Test
  void timesKeepTheirMillisecondsAndDropFinerDigits() {
    RunRecord run = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
    store.runStarted(run.id(), Instant.parse("2024-05-01T10:15:30.999999999Z"));
    store.runFinished(run.id(), Result.SUCCESS, Instant.parse("1999-12-31T23:59:59.001Z"));

    RunRecord found = store.findRun(run.id()).orElseThrow();
    assertThat(found.startedAt()).isEqualTo(Instant.parse("2024-05-01T10:15:30.999Z"));
    assertThat(found.finishedAt()).isEqualTo(Instant.parse("1999-12-31T23:59:59.001Z"));
  }

  @Test
  void runsAreListedNewestFirstUpToTheLimit() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).id());
    }

    assertThat(store.listRuns(3))
        .extracting(RunRecord::id)
        .containsExactly(ids.get(4), ids.get(3), ids.get(2));
    assertThat(store.listRuns(10))
        .extracting(RunRecord::runNumber)
        .containsExactly(5L, 4L, 3L, 2L, 1L);
    assertThatThrownBy(() -> store.listRuns(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }

  @Test
  void runNumbersCountUpPerWorkflowOfARepositoryIndependentlyOfOtherWorkflows() {
    assertThat(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).runNumber())
        .isEqualTo(1);
    assertThat(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).runNumber())
        .isEqualTo(2);
    assertThat(store.createRun(StoreProcess.newRun("acme/shop", "deploy.yml")).runNumber())
        .isEqualTo(1);
    assertThat(store.createRun(StoreProcess.newRun("acme/blog", "ci.yml")).runNumber())
        .isEqualTo(1);
    assertThat(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).runNumber())
        .isEqualTo(3);
    assertThat(store.createRun(StoreProcess.newRun("acme/shop", "deploy.yml")).runNumber())
        .isEqualTo(2);
  }

  @Test
  void concurrentCreatorsGetDistinctConsecutiveRunNumbers() throws Exception {
    int threads = 8;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<RunRecord>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Callable<RunRecord> create =
            () -> {
              start.await();
              return store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
            };
        futures.add(executor.submit(create));
      }
      start.countDown();
      List<Long> numbers = new ArrayList<>();
      for (Future<RunRecord> future : futures) {
        numbers.add(future.get(60, TimeUnit.SECONDS).runNumber());
      }

      assertThat(numbers).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).runNumber())
          .isEqualTo(9);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void unknownIdsAreRejectedNamingTheId() {
    assertThat(store.findRun(4242)).isEmpty();
    assertUnknown(() -> store.runStarted(4242, T0), "No run with id 4242");
    assertUnknown(() -> store.runFinished(4242, Result.SUCCESS, T0), "No run with id 4242");
    assertUnknown(() -> store.createJob(4242, "build", "build"), "No run with id 4242");
    assertUnknown(() -> store.jobsOf(4242), "No run with id 4242");
    assertUnknown(() -> store.jobStarted(4343, T0), "No job with id 4343");
    assertUnknown(
        () -> store.jobFinished(4343, Result.SUCCESS, Map.of(), T0), "No job with id 4343");
    assertUnknown(() -> store.stepStarted(4343, 1, "Checkout", T0), "No job with id 4343");
    assertUnknown(() -> store.stepsOf(4343), "No job with id 4343");
    assertUnknown(
        () -> store.stepFinished(4444, Result.SUCCESS, Result.SUCCESS, Map.of(), T0),
        "No step with id 4444");
  }

  @Test
  void aConclusionOutsideGitHubsFourIsRejected() {
    RunRecord run = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));

    assertThatThrownBy(() -> store.runFinished(run.id(), Result.parse("conclusion", "passed"), T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("conclusion must be one of success, failure, cancelled or skipped, not passed");
    assertThat(store.findRun(run.id()).orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
  }

  @Test
  void aHealthCheckIsRecordedOnItsDeploymentAndReadBack() {
    DeployHistory history = store.deployHistory();
    DeployHistory.ServiceKey web =
        new DeployHistory.ServiceKey("http://127.0.0.1:4566", "default", "web");
    long id =
        history.started(
            new DeployHistory.NewDeployment(
                web,
                "arn:aws:ecs:us-east-1:1:task-definition/web:1",
                List.of("web:1"),
                null,
                null,
                "alice",
                DeployHistory.Kind.DEPLOY,
                null,
                null,
                T0));
    history.finished(id, DeployHistory.Outcome.SUCCEEDED, null, T0.plusSeconds(5));
    assertThat(history.find(id).orElseThrow().healthCheck()).isNull();

    String check = "{\"url\":\"http://127.0.0.1:8080/health\",\"timeout\":\"5s\"}";
    history.recordHealthCheck(id, check);

    DeployHistory.Deployment found = history.find(id).orElseThrow();
    assertThat(found.healthCheck()).isEqualTo(check);
    assertThat(found.outcome()).isEqualTo(DeployHistory.Outcome.SUCCEEDED);
    assertThat(history.lastKnownGood(web, id + 1).orElseThrow().healthCheck()).isEqualTo(check);
    assertUnknown(
        () -> history.recordHealthCheck(id + 100, check), "No deployment with id " + (id + 100));
  }

  private static void assertUnknown(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
