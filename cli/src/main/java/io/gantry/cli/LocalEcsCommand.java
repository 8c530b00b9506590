package io.gantry.cli;

import io.gantry.localecs.LocalEcs;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry local-ecs}: an ECS-compatible cluster on this machine. */
@Command(
    name = "local-ecs",
    mixinStandardHelpOptions = true,
    subcommands = {LocalEcsCommand.Logs.class},
    description = {
      "Runs local-ecs: the ECS and ECR APIs on 127.0.0.1, tasks as Podman (or Docker) containers,",
      "ECS's rolling updates. Prints the environment that points AWS clients at it. Stops on",
      "SIGTERM or Ctrl-C; the tasks keep running and are found again on the next start."
    })
final class LocalEcsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "4566",
      paramLabel = "PORT",
      description = "API port on 127.0.0.1 (default: 4566; 0 picks a free one).")
  int port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "State, task logs, engine and registry files (default: $GANTRY_DATA_DIR/local-ecs).")
  Path dataDir;

  @Option(
      names = "--settle-seconds",
      defaultValue = "3",
      paramLabel = "SECONDS",
      description = "How long a deployment must stay healthy before it is COMPLETED (ECS: ~40).")
  double settleSeconds;

  @Option(
      names = "--region",
      defaultValue = "us-east-1",
      paramLabel = "REGION",
      description = "The region in ARNs (default: us-east-1).")
  String region;

  @Option(
      names = "--instances",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Container instances of the default cluster (EC2 launch type placement; default 0: tasks"
              + " need none). Registered at start until there are N; zones a, b, c in turn.")
  int instances;

  @Option(
      names = "--instance-cpu",
      defaultValue = "2048",
      paramLabel = "UNITS",
      description = "CPU units of each instance from --instances (default 2048, 1024 a vCPU).")
  int instanceCpu;

  @Option(
      names = "--instance-memory",
      defaultValue = "4096",
      paramLabel = "MIB",
      description = "Memory of each instance from --instances, in MiB (default 4096).")
  int instanceMemory;

  @Option(
      names = "--metric-period-seconds",
      defaultValue = "60",
      paramLabel = "SECONDS",
      description =
          "How often service auto scaling measures CPU, memory and requests (default 60, as"
              + " CloudWatch); target tracking acts after 3 periods above its target.")
  double metricPeriodSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (port < 0 || port > 65535) {
      err.println("gantry local-ecs: --port must be between 0 and 65535, got " + port);
      return Gantry.BAD_INPUT;
    }
    if (settleSeconds < 0) {
      err.println("gantry local-ecs: --settle-seconds must be 0 or more, got " + settleSeconds);
      return Gantry.BAD_INPUT;
    }
    String bad = instancesProblem();
    if (bad != null) {
      err.println("gantry local-ecs: " + bad);
      return Gantry.BAD_INPUT;
    }
    Path dir = dataDir != null ? dataDir : Settings.defaultDataDir().resolve("local-ecs");
    LocalEcs.Options defaults = LocalEcs.Options.defaults(dir.toAbsolutePath());
    LocalEcs.Options options =
        defaults
            .withPort(port)
            .withRegion(region)
            .withTiming(defaults.tickInterval(), Duration.ofMillis((long) (settleSeconds * 1000)))
            .withMetricPeriod(Duration.ofMillis((long) (metricPeriodSeconds * 1000)))
            .withInstances(instances, instanceCpu, instanceMemory);
    LocalEcs ecs;
    try {
      ecs = LocalEcs.start(options);
    } catch (RuntimeException e) {
      err.println("gantry local-ecs: " + Gantry.oneLine(e));
      return Gantry.BAD_INPUT;
    }
    String endpoint = ecs.endpoint().toString();
    out.println("local-ecs listening on " + endpoint + " (data in " + options.dataDir() + ")");
    out.println("containers: " + ecs.dockerHost());
    out.println(
        "registry:   "
            + ecs.registry()
            + " (HTTP; user AWS, password from ecr get-login-password)");
    out.println();
    out.println("Point AWS clients at it:");
    out.println("export AWS_ENDPOINT_URL_ECS=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_ECR=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_CLOUDWATCH=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_SECRETS_MANAGER=" + endpoint);
    out.println("export AWS_ENDPOINT_URL_SSM=" + endpoint);
    out.println("export AWS_REGION=" + region);
    out.println("export AWS_ACCESS_KEY_ID=local-ecs");
    out.println("export AWS_SECRET_ACCESS_KEY=local-ecs");
    out.println();
    out.println("Task output: gantry local-ecs logs TASK --endpoint " + endpoint);
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  ecs.close();
                  stopped.countDown();
                }));
    stopped.await();
    return Gantry.OK;
  }

  /** What is wrong with the instance and metric options, or null. */
  private String instancesProblem() {
    if (instances < 0 || instances > 100) {
      return "--instances must be between 0 and 100, got " + instances;
    }
    if (instanceCpu < 128) {
      return "--instance-cpu must be at least 128 CPU units (1024 a vCPU), got " + instanceCpu;
    }
    if (instanceMemory < 128) {
      return "--instance-memory must be at least 128 MiB, got " + instanceMemory;
    }
    if (!(metricPeriodSeconds >= 0.1 && metricPeriodSeconds <= 3600)) {
      return "--metric-period-seconds must be between 0.1 and 3600, got " + metricPeriodSeconds;
    }
    return null;
  }

  /** {@code gantry local-ecs logs TASK}: a task's container output. */
  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = "Prints the stdout and stderr of a task's containers (running or stopped).")
  static final class Logs implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "TASK", description = "Task id or ARN.")
    String task;

    @Option(
        names = "--endpoint",
        defaultValue = "${env:AWS_ENDPOINT_URL_ECS:-http://127.0.0.1:4566}",
        paramLabel = "URL",
        description =
            "The running local-ecs (default: $AWS_ENDPOINT_URL_ECS, else http://127.0.0.1:4566).")
    String endpoint;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      URI uri;
      try {
        String id = task.substring(task.lastIndexOf('/') + 1);
        if (!id.matches("[A-Za-z0-9-]+")) {
          err.println("gantry local-ecs logs: '" + task + "' is not a task id or ARN");
          return Gantry.BAD_INPUT;
        }
        uri = URI.create(endpoint.replaceFirst("/+$", "") + "/local-ecs/tasks/" + id + "/logs");
      } catch (IllegalArgumentException e) {
        err.println(
            "gantry local-ecs logs: --endpoint must be a URL like http://127.0.0.1:4566, got '"
                + endpoint
                + "'");
        return Gantry.BAD_INPUT;
      }
      HttpResponse<String> response;
      try {
        response =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        err.println(
            "gantry local-ecs logs: nothing answers on "
                + endpoint
                + "; is gantry local-ecs running?");
        return Gantry.RUN_FAILED;
      } catch (IOException e) {
        err.println("gantry local-ecs logs: " + endpoint + ": " + Gantry.oneLine(e));
        return Gantry.RUN_FAILED;
      }
      if (response.statusCode() != 200) {
        err.print("gantry local-ecs logs: " + response.body());
        err.flush();
        return Gantry.BAD_INPUT;
      }
      out.print(response.body());
      out.flush();
      return Gantry.OK;
    }
  }
}
