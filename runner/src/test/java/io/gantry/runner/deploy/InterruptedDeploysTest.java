package io.gantry.runner.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunHistory.NewRun;
import io.gantry.runner.store.RunHistory.RunRecord;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stale {@code in_progress} sweep, on the real embedded run store and deploy history. */
class InterruptedDeploysTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final ServiceKey WEB = new ServiceKey("http://127.0.0.1:4566", "prod", "web");
  private static final ServiceKey API = new ServiceKey("http://127.0.0.1:4566", "prod", "api");
  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path data;
  private RunStore store;
  private DeployHistory history;
  private LongPredicate interrupted;

  @BeforeEach
  void open() {
    store = Stores.openEmbedded(data);
    history = store.deployHistory();
    interrupted = id -> store.details(id).map(RunHistory.RunDetails::interrupted).orElse(false);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aDeployWhoseRunWasInterruptedIsMarkedFailedAndTheOthersStayInProgress() {
    RunRecord crashed = claimedRun();
    RunRecord notWaited = claimedRun();
    store.runFinished(notWaited.id(), io.gantry.runner.store.Result.SUCCESS, T0.plusSeconds(5));
    long good = deploy(WEB, "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2", null);
    history.finished(good, DeployHistory.Outcome.SUCCEEDED, null, T0);
    long cut = deploy(WEB, "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", crashed);
    long rollback =
        history.started(
            new DeployHistory.NewDeployment(
                API,
                "arn:aws:ecs:us-east-1:000000000000:task-definition/api:1",
                List.of(),
                crashed.id(),
                SHA,
                "auto-rollback of deployment " + good,
                DeployHistory.Kind.ROLLBACK,
                good,
                null,
                T0));
    long leftRunning =
        deploy(API, "arn:aws:ecs:us-east-1:000000000000:task-definition/api:2", notWaited);
    long withoutRun = deploy(API, "arn:aws:ecs:us-east-1:000000000000:task-definition/api:3", null);

    // While the run still holds its lease, nothing is touched.
    assertThat(InterruptedDeploys.sweep(history, interrupted, T0.plusSeconds(10))).isEmpty();
    assertThat(outcome(cut)).isEqualTo(DeployHistory.Outcome.IN_PROGRESS);

    // The process running it died: its lease runs out and the run store marks it interrupted.
    assertThat(store.renewLease(crashed.id(), "worker-1", T0)).isTrue();
    assertThat(store.expireLeases(T0.plus(LEASE).plusSeconds(1)))
        .extracting(RunRecord::id)
        .containsExactly(crashed.id());
    List<Deployment> swept =
        InterruptedDeploys.sweep(history, interrupted, T0.plus(LEASE).plusSeconds(2));

    assertThat(swept).extracting(Deployment::id).containsExactly(cut, rollback);
    Deployment concluded = history.find(cut).orElseThrow();
    assertThat(concluded.outcome()).isEqualTo(DeployHistory.Outcome.FAILED);
    assertThat(concluded.message())
        .isEqualTo(
            "interrupted: the Gantry process running run "
                + crashed.id()
                + " stopped during the deploy of web:3; check what prod/web runs"
                + " (gantry deployments web) and deploy or roll back again");
    assertThat(concluded.finishedAt()).isEqualTo(T0.plus(LEASE).plusSeconds(2));
    assertThat(history.find(rollback).orElseThrow().message())
        .startsWith(
            "interrupted: the Gantry process running run "
                + crashed.id()
                + " stopped during the rollback of api:1;");
    // A deploy not waited for (its run ended normally) and one without a run stay as they were.
    assertThat(outcome(leftRunning)).isEqualTo(DeployHistory.Outcome.IN_PROGRESS);
    assertThat(outcome(withoutRun)).isEqualTo(DeployHistory.Outcome.IN_PROGRESS);
    // The interrupted deploy is no known good deployment: a rollback goes to the one before.
    assertThat(history.lastKnownGood(WEB, Long.MAX_VALUE).orElseThrow().id()).isEqualTo(good);
    // A second sweep finds nothing more.
    assertThat(InterruptedDeploys.sweep(history, interrupted, T0.plus(LEASE).plusSeconds(3)))
        .isEmpty();
    assertThat(history.inProgress(10))
        .extracting(Deployment::id)
        .containsExactly(leftRunning, withoutRun);
  }

  private RunRecord claimedRun() {
    RunRecord run =
        store.createRun(
            new NewRun(
                "acme/shop",
                "deploy.yml",
                "Deploy",
                "on: push\njobs: {}\n",
                "push",
                "refs/heads/main",
                SHA,
                Map.of(),
                "test",
                "{}",
                null,
                false));
    assertThat(store.claimNext("worker-1", T0, LEASE).orElseThrow().id()).isEqualTo(run.id());
    return run;
  }

  private long deploy(ServiceKey key, String taskDefinition, RunRecord run) {
    return history.started(
        new DeployHistory.NewDeployment(
            key,
            taskDefinition,
            List.of("127.0.0.1:5000/web:1"),
            run == null ? null : run.id(),
            SHA,
            "alice",
            DeployHistory.Kind.DEPLOY,
            null,
            null,
            T0));
  }

  private DeployHistory.Outcome outcome(long id) {
    return history.find(id).orElseThrow().outcome();
  }
}
