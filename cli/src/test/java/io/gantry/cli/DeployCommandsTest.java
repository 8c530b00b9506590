package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry deployments} and {@code gantry rollback} on a data directory's history. (The
 * rollback itself against a real local-ecs is tested in the runner, EcsDeployTest.)
 */
class DeployCommandsTest {

  static final String ENDPOINT = "http://127.0.0.1:4566";

  @TempDir Path data;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int gantry(String... args) {
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void deploymentsListsTheServicesHistoryNewestFirst() {
    ServiceKey key = new ServiceKey(ENDPOINT, "prod", "web");
    try (RunStore store = Stores.openEmbedded(data)) {
      DeployHistory history = store.deployHistory();
      long first =
          history.started(
              new DeployHistory.NewDeployment(
                  key,
                  "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
                  List.of("img:1"),
                  null,
                  "aaaaaaaaaa",
                  "alice",
                  DeployHistory.Kind.DEPLOY,
                  null,
                  null,
                  Instant.parse("2024-05-01T10:00:00Z")));
      history.finished(
          first, DeployHistory.Outcome.SUCCEEDED, null, Instant.parse("2024-05-01T10:01:00Z"));
      long second =
          history.started(
              new DeployHistory.NewDeployment(
                  key,
                  "arn:aws:ecs:us-east-1:000000000000:task-definition/web:4",
                  List.of("img:2"),
                  null,
                  "bbbbbbbbbb",
                  "bob",
                  DeployHistory.Kind.DEPLOY,
                  null,
                  null,
                  Instant.parse("2024-05-02T10:00:00Z")));
      history.finished(second, DeployHistory.Outcome.ROLLED_BACK, "ECS rolled back", Instant.now());
    }

    int code =
        gantry(
            "deployments",
            "web",
            "--cluster",
            "prod",
            "--endpoint",
            ENDPOINT,
            "--region",
            "us-east-1",
            "--data-dir",
            data.toString());

    assertThat(code).as(err.toString()).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("ID    KIND      OUTCOME");
    assertThat(lines.get(1))
        .startsWith("2     deploy    rolled_back  web:4")
        .contains("bbbbbbb ")
        .contains("2024-05-02 10:00:00")
        .endsWith("bob");
    assertThat(lines.get(2)).startsWith("1     deploy    succeeded    web:3").endsWith("alice");
  }

  @Test
  void rollbackWithNoKnownGoodDeploymentFailsInOneLine() {
    int code =
        gantry(
            "rollback",
            "web",
            "--endpoint",
            ENDPOINT,
            "--region",
            "us-east-1",
            "--data-dir",
            data.toString());

    assertThat(code).isEqualTo(Gantry.RUN_FAILED);
    assertThat(err.toString())
        .isEqualTo(
            "gantry rollback: no known good deployment of default/web before now (no deployment"
                + " is recorded); nothing was changed. Name one with --to (gantry deployments web"
                + " lists them)"
                + System.lineSeparator());
  }

  @Test
  void aBadRegionIsRejectedInOneLine() {
    int code =
        gantry("deployments", "web", "--region", "Not A Region", "--data-dir", data.toString());
    assertThat(code).isEqualTo(Gantry.BAD_INPUT);
    assertThat(err.toString())
        .isEqualTo(
            "gantry deployments: the region 'Not A Region' of AWS_REGION is not a region name;"
                + " write it like us-east-1"
                + System.lineSeparator());
  }
}
