package io.gantry.localecs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An ECS-compatible cluster on this machine: the ECS and ECR APIs over AWS's JSON protocol on
 * 127.0.0.1, tasks as real containers, ECS's rolling-update scheduler. Point any AWS client at
 * {@link #endpoint()} with an endpoint override.
 *
 * <pre>{@code
 * try (LocalEcs ecs = LocalEcs.start(LocalEcs.Options.defaults(dataDir))) {
 *   EcsClient client = EcsClient.builder().endpointOverride(ecs.endpoint())...build();
 * }
 * }</pre>
 *
 * <p>Closing stops the API and the helper processes (engine service, registry) and keeps the tasks'
 * containers running; starting again on the same data directory finds them (by their labels) and
 * the persisted clusters, task definitions and services.
 */
public final class LocalEcs implements AutoCloseable {

  /**
   * How to run.
   *
   * @param dataDir state, logs, and the helper processes' configuration and files
   * @param port API port on 127.0.0.1; 0 picks a free one
   * @param region the region in ARNs
   * @param dockerHost an existing Docker engine to use instead of starting Podman (null: the
   *     DOCKER_HOST variable, else Podman)
   * @param tickInterval how often containers are watched and services reconciled
   * @param settleTime how long a deployment must hold its desired healthy tasks before it is
   *     COMPLETED (ECS waits about 40 s)
   * @param healthStartInterval how often a container's health check runs during its first interval,
   *     until it first succeeds
   * @param defaultStopTimeout SIGTERM → SIGKILL grace of containers without stopTimeout (ECS: 30 s)
   * @param launchRetryDelaySeconds after a service's task failed, how long before the scheduler
   *     starts another
   * @param registry whether to start the local registry (ECR)
   * @param stopTasksOnClose stop and remove every task's containers on close (tests)
   * @param metricPeriod how often service auto scaling measures its metrics (CloudWatch: a minute);
   *     target tracking acts after 3 periods above the target and 15 below 90 % of it
   * @param instances container instances the default cluster is given at start (none: tasks run
   *     without placement)
   */
  public record Options(
      Path dataDir,
      int port,
      String region,
      String dockerHost,
      Duration tickInterval,
      Duration settleTime,
      Duration healthStartInterval,
      Duration defaultStopTimeout,
      double launchRetryDelaySeconds,
      boolean registry,
      boolean stopTasksOnClose,
      Duration metricPeriod,
      Instances instances) {

    /**
     * Container instances registered in the default cluster at start, until it has {@code count}
     * ACTIVE ones (so a restart adds none): {@code cpu} units and {@code memory} MiB each, their
     * zones the region's a, b, c in turn.
     */
    public record Instances(int count, int cpu, int memory) {}

    /** The defaults for a data directory: free port, us-east-1, Podman, registry on. */
    public static Options defaults(Path dataDir) {
      return new Options(
          dataDir,
          0,
          "us-east-1",
          null,
          Duration.ofMillis(200),
          Duration.ofSeconds(3),
          Duration.ofMillis(250),
          Duration.ofSeconds(30),
          1.0,
          true,
          false,
          Duration.ofSeconds(60),
          new Instances(0, 2048, 4096));
    }

    public Options withPort(int port) {
      return with(b -> b.port = port);
    }

    public Options withRegion(String region) {
      return with(b -> b.region = region);
    }

    public Options withTiming(Duration tickInterval, Duration settleTime) {
      return with(
          b -> {
            b.tickInterval = tickInterval;
            b.settleTime = settleTime;
          });
    }

    public Options withDefaultStopTimeout(Duration timeout) {
      return with(b -> b.defaultStopTimeout = timeout);
    }

    public Options withRegistry(boolean registry) {
      return with(b -> b.registry = registry);
    }

    public Options withMetricPeriod(Duration period) {
      return with(b -> b.metricPeriod = period);
    }

    public Options withInstances(int count, int cpu, int memory) {
      return with(b -> b.instances = new Instances(count, cpu, memory));
    }

    public Options withStopTasksOnClose(boolean stop) {
      return with(b -> b.stopTasksOnClose = stop);
    }

    private Options with(java.util.function.Consumer<Copy> change) {
      Copy copy = new Copy(this);
      change.accept(copy);
      return copy.build();
    }

    /** A mutable copy the withers change one field of. */
    private static final class Copy {
      private final Path dataDir;
      private int port;
      private String region;
      private final String dockerHost;
      private Duration tickInterval;
      private Duration settleTime;
      private final Duration healthStartInterval;
      private Duration defaultStopTimeout;
      private final double launchRetryDelaySeconds;
      private boolean registry;
      private boolean stopTasksOnClose;
      private Duration metricPeriod;
      private Instances instances;

      private Copy(Options o) {
        dataDir = o.dataDir;
        port = o.port;
        region = o.region;
        dockerHost = o.dockerHost;
        tickInterval = o.tickInterval;
        settleTime = o.settleTime;
        healthStartInterval = o.healthStartInterval;
        defaultStopTimeout = o.defaultStopTimeout;
        launchRetryDelaySeconds = o.launchRetryDelaySeconds;
        registry = o.registry;
        stopTasksOnClose = o.stopTasksOnClose;
        metricPeriod = o.metricPeriod;
        instances = o.instances;
      }

      private Options build() {
        return new Options(
            dataDir,
            port,
            region,
            dockerHost,
            tickInterval,
            settleTime,
            healthStartInterval,
            defaultStopTimeout,
            launchRetryDelaySeconds,
            registry,
            stopTasksOnClose,
            metricPeriod,
            instances);
      }
    }
  }

  private final Options options;
  private final List<AutoCloseable> resources;
  private final LocalEcsCore core;
  private final AwsHttp http;
  private final String dockerHost;
  private final LocalRegistry registry;

  private LocalEcs(
      Options options,
      List<AutoCloseable> resources,
      LocalEcsCore core,
      AwsHttp http,
      String dockerHost,
      LocalRegistry registry) {
    this.options = options;
    this.resources = resources;
    this.core = core;
    this.http = http;
    this.dockerHost = dockerHost;
    this.registry = registry;
  }

  /**
   * Starts local-ecs: registry and engine (as child processes where needed), then the API.
   *
   * @throws IllegalStateException with a one-line message when something it needs is missing
   */
  public static LocalEcs start(Options options) {
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      Files.createDirectories(options.dataDir());
      ObjectMapper mapper = new ObjectMapper();
      String instanceId = instanceId(options.dataDir());
      LocalRegistry registry = null;
      List<String> insecure = new ArrayList<>();
      if (options.registry()) {
        registry = LocalRegistry.start(options.dataDir().resolve("registry"));
        resources.add(registry);
        insecure.add(registry.address());
      }
      Engines.Started engine = Engines.start(options, insecure);
      resources.add(engine.engine());
      if (engine.process() != null) {
        resources.add(engine.process());
      }
      LocalEcsCore core = new LocalEcsCore(options, mapper, engine.engine(), instanceId);
      if (registry != null) {
        core.registryCredentials(registry.credentials());
      }
      resources.add(core);
      Balancer balancer = new Balancer(core);
      core.loadBalancers(balancer);
      resources.add(balancer);
      core.start();
      AwsHttp http = AwsHttp.start(core, registry, balancer, options.port());
      resources.add(http);
      return new LocalEcs(options, resources, core, http, engine.dockerHost(), registry);
    } catch (IOException e) {
      closeAll(resources);
      throw new UncheckedIOException("cannot use " + options.dataDir() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  private static String instanceId(Path dataDir) throws IOException {
    Path file = dataDir.resolve("instance-id");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    String id = Arns.hex(8);
    Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
    return id;
  }

  /** The ECS (and ECR) API endpoint, e.g. http://127.0.0.1:4566. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + http.port());
  }

  /** The local registry's address (host:port), or null when it was not started. */
  public String registry() {
    return registry == null ? null : registry.address();
  }

  /** The Docker Engine API address of the container engine tasks run on. */
  public String dockerHost() {
    return dockerHost;
  }

  /** The options it runs with. */
  public Options options() {
    return options;
  }

  /**
   * The output of a task's containers ({@code ==> container <==} headers when there are several).
   *
   * @param task task id or ARN, in any cluster
   * @throws IllegalArgumentException when no such task is known
   */
  public String logs(String task) {
    return core.logs(task);
  }

  /** Stops the API and the helper processes; the tasks' containers keep running. */
  @Override
  public void close() {
    closeAll(resources);
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        java.util.logging.Logger.getLogger(LocalEcs.class.getName())
            .log(java.util.logging.Level.WARNING, "closing " + resources.get(i), e);
      }
    }
  }
}
