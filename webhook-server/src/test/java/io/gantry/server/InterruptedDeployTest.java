package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.runner.store.RunHistory.NewRun;
import io.gantry.runner.store.RunHistory.RunRecord;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy left {@code in_progress} by a Gantry process that died is concluded by the next {@code
 * gantry serve} on the same data directory: its run's lease has run out, so the run is marked
 * interrupted and the deploy failed, with the reason; a deploy not waited for stays.
 */
class InterruptedDeployTest {

  private static final ServiceKey WEB = new ServiceKey("http://127.0.0.1:4566", "prod", "web");
  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path dir;

  @Test
  void theNextServerMarksTheDeployOfAnInterruptedRunFailed() throws Exception {
    Path data = dir.resolve("data");
    RunStore store = Stores.openEmbedded(data);
    GantryServer server = null;
    try {
      // What a process killed during a deploy leaves: its run in progress under a lease that ran
      // out long ago, and the deploy recorded as in progress.
      RunRecord crashed = store.createRun(run());
      Instant then = Instant.now().minus(Duration.ofHours(1));
      assertThat(store.claimNext("dead-process", then, Duration.ofSeconds(30))).isPresent();
      assertThat(store.renewLease(crashed.id(), "dead-process", then.plusSeconds(30))).isTrue();
      DeployHistory history = store.deployHistory();
      long cut = deploy(history, crashed.id(), "web:7");
      RunRecord earlier = store.createRun(run());
      store.runStarted(earlier.id(), then);
      store.runFinished(earlier.id(), io.gantry.runner.store.Result.SUCCESS, then);
      long notWaited = deploy(history, earlier.id(), "web:6");

      Path config = dir.resolve("gantry.yml");
      Files.writeString(
          config,
          "server:\n  port: 0\n  data-dir: " + data + "\n  api-token: ${TOKEN}\n  workers: 1\n");
      ServerConfig loaded = new ConfigLoader(Map.of("TOKEN", "token-123")::get).load(config);
      server = GantryServer.start(loaded, Duration.ofSeconds(30), StatusPosting.forges());

      Deployment concluded = awaitConcluded(history, cut);
      assertThat(concluded.outcome()).isEqualTo(DeployHistory.Outcome.FAILED);
      assertThat(concluded.message())
          .isEqualTo(
              "interrupted: the Gantry process running run "
                  + crashed.id()
                  + " stopped during the deploy of web:7; check what prod/web runs"
                  + " (gantry deployments web) and deploy or roll back again");
      assertThat(store.details(crashed.id()).orElseThrow().interrupted()).isTrue();
      assertThat(history.find(notWaited).orElseThrow().outcome())
          .isEqualTo(DeployHistory.Outcome.IN_PROGRESS);
    } finally {
      if (server != null) {
        server.close();
      }
      store.close();
    }
  }

  private static NewRun run() {
    return new NewRun(
        "acme/web",
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
        false);
  }

  private static long deploy(DeployHistory history, long runId, String taskDefinition) {
    return history.started(
        new DeployHistory.NewDeployment(
            WEB,
            "arn:aws:ecs:us-east-1:000000000000:task-definition/" + taskDefinition,
            List.of("127.0.0.1:5000/web:1"),
            runId,
            SHA,
            "alice",
            DeployHistory.Kind.DEPLOY,
            null,
            null,
            Instant.now()));
  }

  /** The deployment once it is no longer in progress (the server sweeps as it starts). */
  private static Deployment awaitConcluded(DeployHistory history, long id)
      throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      Deployment d = history.find(id).orElseThrow();
      if (!DeployHistory.Outcome.IN_PROGRESS.equals(d.outcome())) {
        return d;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("deployment " + id + " is still in progress after a minute");
  }
}
