package io.gantry.cli;

import io.gantry.runner.deploy.ServiceRollback;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.StoreException;
import io.gantry.runner.store.Stores;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gantry deployments} and {@code gantry rollback}: a service's deploy history, through a
 * server or on the local data directory.
 *
 * <p>With {@code --server URL} or {@code GANTRY_SERVER} set (and no {@code --local}) they call the
 * server's API ({@code GET /api/services/{cluster}/{service}/deployments}, {@code POST
 * …/rollback}); the server uses the ECS endpoint, region and credentials its runs use. Otherwise
 * they work on the local data directory, and the ECS endpoint, region and credentials come from the
 * AWS variables of the environment ({@code AWS_ENDPOINT_URL_ECS} / {@code AWS_ENDPOINT_URL}, {@code
 * AWS_REGION}, {@code AWS_ACCESS_KEY_ID}, ...), as in a workflow step; {@code --endpoint} and
 * {@code --region} override them. The output and exit codes are the same both ways.
 */
final class DeployCommands {

  private DeployCommands() {}

  abstract static class ServiceCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The ECS service's name.")
    String service;

    @Option(
        names = "--cluster",
        defaultValue = "default",
        description = "Its cluster (default: default).")
    String cluster;

    @Option(
        names = "--endpoint",
        description =
            "The ECS endpoint (default: $AWS_ENDPOINT_URL_ECS, $AWS_ENDPOINT_URL, else AWS's).")
    String endpoint;

    @Option(names = "--region", description = "The region (default: $AWS_REGION).")
    String region;

    @Option(names = "--data-dir", description = "The data directory (default: $GANTRY_DATA_DIR).")
    Path dataDir;

    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "Ask this Gantry server (default: $GANTRY_SERVER; without either, local).")
    String server;

    @Option(
        names = "--local",
        description = "Work on the local data directory even if $GANTRY_SERVER is set.")
    boolean local;

    /**
     * The server to ask, or null to work locally.
     *
     * @throws ApiClient.ClientException when the options contradict each other
     */
    ApiClient client() throws ApiClient.ClientException {
      if (local) {
        if (server != null) {
          throw new ApiClient.ClientException("--local and --server exclude each other; give one");
        }
        return null;
      }
      String url = server != null ? server : System.getenv(ApiClient.SERVER);
      if (url == null || url.isBlank()) {
        return null;
      }
      if (dataDir != null || region != null) {
        throw new ApiClient.ClientException(
            (dataDir != null ? "--data-dir" : "--region")
                + " applies to the local mode, but this asks the server "
                + url
                + " (which uses its own); add --local to work locally");
      }
      return new ApiClient(url, System.getenv(ApiClient.TOKEN));
    }

    /** {@code /api/services/CLUSTER/SERVICE/}; a cluster ARN is named by its name. */
    String servicePath() {
      String clusterName = cluster.substring(cluster.lastIndexOf('/') + 1);
      return "/api/services/"
          + ClientCommands.encode(clusterName)
          + "/"
          + ClientCommands.encode(service)
          + "/";
    }

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
      ApiClient client;
      try {
        client = client();
      } catch (ApiClient.ClientException e) {
        err().println("gantry deployments: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
      return client == null ? local() : remote(client);
    }

    private int local() {
      ServiceKey key;
      try {
        key = ServiceRollback.serviceKey(env(), cluster, service);
      } catch (IllegalArgumentException e) {
        err().println("gantry deployments: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
      try (RunStore store = open()) {
        List<Row> rows = new ArrayList<>();
        for (Deployment d : store.deployHistory().list(key, limit)) {
          rows.add(
              new Row(
                  d.id(),
                  d.kind().label(),
                  d.outcome().label(),
                  d.taskDefinition(),
                  d.runId(),
                  d.sha(),
                  d.startedAt(),
                  d.trigger()));
        }
        print(key.toString(), rows);
        return Gantry.OK;
      } catch (StoreException e) {
        err().println("gantry deployments: " + e.getMessage());
        return Gantry.RUN_FAILED;
      }
    }

    private int remote(ApiClient client) {
      try {
        String query =
            "?limit="
                + limit
                + (endpoint == null ? "" : "&endpoint=" + ClientCommands.encode(endpoint));
        Map<?, ?> answer = (Map<?, ?>) client.get(servicePath() + "deployments" + query);
        List<Row> rows = new ArrayList<>();
        for (Object o : (List<?>) answer.get("deployments")) {
          Map<?, ?> d = (Map<?, ?>) o;
          rows.add(
              new Row(
                  ((Number) d.get("id")).longValue(),
                  (String) d.get("kind"),
                  (String) d.get("outcome"),
                  (String) d.get("taskDefinition"),
                  d.get("runId") == null ? null : ((Number) d.get("runId")).longValue(),
                  (String) d.get("sha"),
                  Instant.parse((String) d.get("startedAt")),
                  (String) d.get("trigger")));
        }
        print(
            new ServiceKey(
                    (String) answer.get("endpoint"),
                    (String) answer.get("cluster"),
                    (String) answer.get("service"))
                .toString(),
            rows);
        return Gantry.OK;
      } catch (ApiClient.ClientException e) {
        err().println("gantry deployments: " + e.getMessage());
        return Gantry.BAD_INPUT;
      } catch (ClassCastException | NullPointerException | java.time.DateTimeException e) {
        err().println("gantry deployments: the server's answer is not a deployment list: " + e);
        return Gantry.RUN_FAILED;
      }
    }

    /** One line of the table, from the history or from the server's JSON. */
    private record Row(
        long id,
        String kind,
        String outcome,
        String taskDefinition,
        Long runId,
        String sha,
        Instant startedAt,
        String trigger) {}

    private void print(String service, List<Row> rows) {
      if (rows.isEmpty()) {
        out().println("No deployments of " + service + " are recorded.");
        out().flush();
        return;
      }
      out()
          .printf(
              "%-5s %-9s %-12s %-28s %-6s %-9s %-20s %s%n",
              "ID", "KIND", "OUTCOME", "TASK DEFINITION", "RUN", "COMMIT", "STARTED (UTC)", "BY");
      for (Row d : rows) {
        String arn = d.taskDefinition();
        out()
            .printf(
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
      out().flush();
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

    @Option(
        names = "--wait-minutes",
        defaultValue = "30",
        description = "How long to wait (default 30).")
    int waitMinutes;

    @Override
    public Integer call() {
      if (waitMinutes < 1 || waitMinutes > 360) {
        err().println("gantry rollback: --wait-minutes must be from 1 to 360, got " + waitMinutes);
        return Gantry.BAD_INPUT;
      }
      ApiClient client;
      try {
        client = client();
        if (client != null && endpoint != null) {
          throw new ApiClient.ClientException(
              "--endpoint applies to the local mode; the server rolls back through the ECS"
                  + " endpoint its runs use (add --local to work locally)");
        }
      } catch (ApiClient.ClientException e) {
        err().println("gantry rollback: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
      return client == null ? local() : remote(client);
    }

    private int local() {
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
        return conclude(result.succeeded(), result.message());
      } catch (StoreException e) {
        err().println("gantry rollback: " + e.getMessage());
        return Gantry.RUN_FAILED;
      }
    }

    /**
     * Asks the server and prints its log lines, then the one-line result: 200/202 succeeded, 409
     * nothing changed (no known good deployment, unknown target), 502 the rollout failed.
     */
    private int remote(ApiClient client) {
      Map<String, Object> body = new LinkedHashMap<>();
      if (to != null) {
        body.put("to", to);
      }
      body.put("wait", !noWait);
      body.put("waitMinutes", waitMinutes);
      try {
        // The server answers when the rollback ends; it may first wait for a running deploy.
        ApiClient.Answer answer =
            client.postForAnswer(
                servicePath() + "rollback", body, Duration.ofMinutes(waitMinutes + 30L));
        int status = answer.status();
        if (status != 200 && status != 202 && status != 409 && status != 502) {
          throw new ApiClient.ClientException(
              "the server answered " + status + ": " + answer.message());
        }
        if (answer.body() instanceof Map<?, ?> m && m.get("log") instanceof List<?> log) {
          for (Object line : log) {
            out().println(line);
          }
        }
        return conclude(status == 200 || status == 202, answer.message());
      } catch (ApiClient.ClientException e) {
        err().println("gantry rollback: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
    }

    private int conclude(boolean succeeded, String message) {
      out().flush();
      if (!succeeded) {
        err().println("gantry rollback: " + message);
        return Gantry.RUN_FAILED;
      }
      out().println(message);
      out().flush();
      return Gantry.OK;
    }
  }
}
