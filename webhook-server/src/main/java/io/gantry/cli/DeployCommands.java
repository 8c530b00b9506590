package io.gantry.cli;

import io.gantry.runner.action.aws.ServiceRollback;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.StoreException;
import io.gantry.runner.store.Stores;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gantry deployments} and {@code gantry rollback}: the deploy history of the local data
 * directory. The ECS endpoint, region and credentials come from the AWS variables of the
 * environment ({@code AWS_ENDPOINT_URL_ECS} / {@code AWS_ENDPOINT_URL}, {@code AWS_REGION}, {@code
 * AWS_ACCESS_KEY_ID}, ...), as in a workflow step; {@code --endpoint} and {@code --region}
 * override them.
 */
final class DeployCommands {

  private DeployCommands() {}

  abstract static class ServiceCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The ECS service's name.")
    String service;

    @Option(names = "--cluster", defaultValue = "default", description = "Its cluster (default: default).")
    String cluster;

    @Option(names = "--endpoint", description = "The ECS endpoint (default: $AWS_ENDPOINT_URL_ECS, $AWS_ENDPOINT_URL, else AWS's).")
    String endpoint;

    @Option(names = "--region", description = "The region (default: $AWS_REGION).")
    String region;

    @Option(names = "--data-dir", description = "The data directory (default: $GANTRY_DATA_DIR).")
    Path dataDir;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    Map<String, String> env() {
      Map<String, String> env = new HashMap<>(System.getenv());
      if (endpoint != null) {
        env.put("AWS_ENDPOINT_URL_ECS", endpoint);
      }
      if (region != null) {
        env.put("AWS_REGION", region);
      }
      return env;
    }

    RunStore open() {
      return Stores.openEmbedded(dataDir != null ? dataDir : Settings.defaultDataDir());
    }
  }

  /** {@code gantry deployments SERVICE}: the service's deploy history, newest first. */
  @Command(
      name = "deployments",
      mixinStandardHelpOptions = true,
      description = "Lists a service's deployments, newest first.")
  static final class Deployments extends ServiceCommand {
    @Option(names = "--limit", defaultValue = "20", description = "How many (default 20).")
    int limit;

    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Override
    public Integer call() {
      ServiceKey key;
      try {
        key = ServiceRollback.serviceKey(env(), cluster, service);
      } catch (IllegalArgumentException e) {
        err().println("gantry deployments: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
      try (RunStore store = open()) {
        List<Deployment> all = store.deployHistory().list(key, limit);
        if (all.isEmpty()) {
          out().println("No deployments of " + key + " are recorded.");
          return Gantry.OK;
        }
        out().printf(
            "%-5s %-9s %-12s %-28s %-6s %-9s %-20s %s%n",
            "ID", "KIND", "OUTCOME", "TASK DEFINITION", "RUN", "COMMIT", "STARTED (UTC)", "BY");
        for (Deployment d : all) {
          String arn = d.taskDefinition();
          out().printf(
              "%-5d %-9s %-12s %-28s %-6s %-9s %-20s %s%n",
              d.id(),
              d.kind(),
              d.outcome(),
              arn.substring(arn.lastIndexOf('/') + 1),
              d.runId() == null ? "-" : d.runId().toString(),
              d.sha() == null ? "-" : d.sha().substring(0, Math.min(7, d.sha().length())),
              TIME.format(d.startedAt()),
              d.trigger() == null ? "-" : d.trigger());
        }
        return Gantry.OK;
      } catch (StoreException e) {
        err().println("gantry deployments: " + e.getMessage());
        return Gantry.RUN_FAILED;
      }
    }
  }

  /** {@code gantry rollback SERVICE}: a new deployment of an earlier task definition. */
  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "Rolls a service back to its last known good deployment (or --to), as a new deployment.")
  static final class Rollback extends ServiceCommand {
    @Option(
        names = "--to",
        paramLabel = "DEPLOYMENT|run:RUN|TASKDEF",
        description =
            "A deployment id, run:N (that run's deployment) or a task definition (ARN or"
                + " family:revision); default the last known good before the newest.")
    String to;

    @Option(names = "--no-wait", description = "Do not wait for the rollout to complete.")
    boolean noWait;

    @Option(names = "--wait-minutes", defaultValue = "30", description = "How long to wait (default 30).")
    int waitMinutes;

    @Override
    public Integer call() {
      if (waitMinutes < 1 || waitMinutes > 360) {
        err().println("gantry rollback: --wait-minutes must be from 1 to 360, got " + waitMinutes);
        return Gantry.BAD_INPUT;
      }
      try (RunStore store = open()) {
        DeployHistory history = store.deployHistory();
        ServiceRollback.Result result =
            ServiceRollback.rollBack(
                new ServiceRollback.Request(
                    env(),
                    cluster,
                    service,
                    to == null ? "" : to,
                    !noWait,
                    Duration.ofMinutes(waitMinutes),
                    "gantry rollback by " + System.getProperty("user.name"),
                    null,
                    null),
                history,
                line -> out().println(line),
                () -> false);
        if (!result.succeeded()) {
          err().println("gantry rollback: " + result.message());
          return Gantry.RUN_FAILED;
        }
        out().println(result.message());
        return Gantry.OK;
      } catch (StoreException e) {
        err().println("gantry rollback: " + e.getMessage());
        return Gantry.RUN_FAILED;
      }
    }
  }
}
