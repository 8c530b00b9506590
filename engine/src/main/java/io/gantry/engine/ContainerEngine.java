package io.gantry.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The container engine local-ecs runs tasks on: Podman's Docker-compatible service or a Docker
 * engine, reached through the Docker Engine API.
 *
 * <p>Contract: every method blocks until the engine has answered and may be called from any thread.
 * A failure the engine reports is an {@link EngineException} whose message is the engine's own (one
 * line), so it can go into a task's {@code stoppedReason}. Containers are identified by the
 * engine's id; the labels given at creation are how local-ecs finds its containers again after a
 * restart.
 */
public interface ContainerEngine extends AutoCloseable {

  /** Whether the image is in the engine's local storage. */
  boolean imageExists(String image);

  /** Pulls the image, with the registry credentials when not null. */
  void pull(String image, RegistryCredentials credentials);

  /** Creates a container (not started) and returns its id. */
  String create(ContainerSpec spec);

  /** Starts a created container. */
  void start(String id);

  /** Sends SIGTERM, then SIGKILL after the timeout; returns once the container has exited. */
  void stop(String id, Duration timeout);

  /** Removes the container (forcibly); a missing container is not an error. */
  void remove(String id);

  /** The container's state, or null when it does not exist. */
  ContainerStatus inspect(String id);

  /** Every container (running or not) carrying all the given labels. */
  List<ContainerStatus> list(Map<String, String> labels);

  /** Runs a command in the running container; a timeout gives exit code -1. */
  ExecResult exec(String id, List<String> command, Duration timeout);

  /**
   * Runs the container's health check once; exit code 0 is a pass. The container was created with
   * this check ({@link ContainerSpec#healthCheck()}), so an engine that can run its own configured
   * check on request does so; otherwise it is an {@link #exec}.
   */
  ExecResult check(String id, HealthCheckSpec check);

  /**
   * One sample of the container's resource use (the engine's stats, not streamed), or null when it
   * is not running.
   */
  ContainerStats stats(String id);

  /** The container's stdout and stderr so far, interleaved as the engine keeps them. */
  String logs(String id);

  /**
   * Follows the container's output from its start: each complete line, prefixed with the engine's
   * RFC 3339 timestamp and a space, goes to {@code lines} on a thread of the engine client's;
   * {@code ended} runs once the container has exited (or the follow failed). Closing stops
   * following.
   */
  AutoCloseable follow(String id, java.util.function.Consumer<String> lines, Runnable ended);

  @Override
  void close();

  /**
   * What to create. Null fields take the image's defaults. {@code network}: null for the engine's
   * default bridge, a network's name, or {@code container:ID} to share that container's network
   * namespace (then without ports of its own).
   */
  record ContainerSpec(
      String name,
      String image,
      List<String> entryPoint,
      List<String> command,
      List<String> environment,
      String workingDirectory,
      String user,
      List<PortMapping> ports,
      Long memoryBytes,
      Long memoryReservationBytes,
      Integer cpuShares,
      Integer stopTimeoutSeconds,
      Map<String, String> labels,
      HealthCheckSpec healthCheck,
      String network,
      CreateOptions options) {

    /** A spec without {@link CreateOptions} (a task's container). */
    public ContainerSpec(
        String name,
        String image,
        List<String> entryPoint,
        List<String> command,
        List<String> environment,
        String workingDirectory,
        String user,
        List<PortMapping> ports,
        Long memoryBytes,
        Long memoryReservationBytes,
        Integer cpuShares,
        Integer stopTimeoutSeconds,
        Map<String, String> labels,
        HealthCheckSpec healthCheck,
        String network) {
      this(
          name,
          image,
          entryPoint,
          command,
          environment,
          workingDirectory,
          user,
          ports,
          memoryBytes,
          memoryReservationBytes,
          cpuShares,
          stopTimeoutSeconds,
          labels,
          healthCheck,
          network,
          null);
    }
  }

  /**
   * What a job or service container sets beyond a task's container; empty lists, nulls and false
   * take the engine's defaults.
   *
   * @param networkAliases host names of the container on its {@code network}
   * @param binds {@code HOST_PATH_OR_VOLUME:CONTAINER_PATH[:ro]}
   * @param tmpfs mount point to its options ({@code rw,size=64m}, or "")
   * @param ulimits {@code NAME=SOFT[:HARD]}
   * @param extraHosts {@code HOST:IP}
   */
  record CreateOptions(
      List<String> networkAliases,
      List<String> binds,
      String hostname,
      Long shmSizeBytes,
      Long nanoCpus,
      Map<String, String> tmpfs,
      List<String> ulimits,
      List<String> extraHosts,
      boolean init,
      boolean readOnly) {}

  /**
   * A container health check as Docker's API has it: {@code test} starts with {@code CMD} or {@code
   * CMD-SHELL}.
   */
  record HealthCheckSpec(
      List<String> test, Duration interval, Duration timeout, int retries, Duration startPeriod) {

    /** The command an exec runs for it. */
    public List<String> execCommand() {
      if (test.get(0).equals("CMD-SHELL")) {
        return List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
      }
      return test.subList(1, test.size());
    }
  }

  /** A container port published on 127.0.0.1; hostPort 0 lets the engine pick a free one. */
  record PortMapping(int containerPort, int hostPort, String protocol) {}

  /** A container's state; {@code hostPorts} maps "containerPort/protocol" to the host port. */
  record ContainerStatus(
      String id,
      String name,
      Map<String, String> labels,
      boolean running,
      Integer exitCode,
      String error,
      Map<String, Integer> hostPorts,
      String imageId,
      String ipAddress,
      String macAddress) {}

  /**
   * A resource sample: CPU time used since the container started (ns) and memory in use (bytes),
   * read at {@code readAtNanos} ({@link System#nanoTime()}).
   */
  record ContainerStats(long cpuNanos, long memoryBytes, long readAtNanos) {}

  /** The outcome of an exec. */
  record ExecResult(int exitCode, String output) {}

  /** Creates a bridge network of its own (an awsvpc task's); an existing one is kept. */
  void createNetwork(String name, Map<String, String> labels);

  /** Removes the network; a missing one is not an error. */
  void removeNetwork(String name);

  /** The names of the networks carrying all the given labels. */
  List<String> networks(Map<String, String> labels);

  /**
   * Pulls the image as {@link #pull(String, RegistryCredentials)} does; with {@code tlsVerify}
   * false a registry over plain HTTP (or unverified TLS) is accepted for this pull only, where the
   * engine can do that (Podman).
   */
  default void pull(String image, RegistryCredentials credentials, boolean tlsVerify) {
    pull(image, credentials);
  }

  /**
   * Pulls as {@link #pull(String, RegistryCredentials, boolean)} does, giving up after {@code
   * timeout}: an {@link EngineException} saying the pull did not finish in time (a registry that
   * accepts the connection and never answers would otherwise hold the caller for good). What the
   * engine does with the abandoned pull is its own affair; nothing is created by a pull but the
   * image.
   */
  default void pull(
      String image, RegistryCredentials credentials, boolean tlsVerify, Duration timeout) {
    pull(image, credentials, tlsVerify);
  }

  /**
   * The last health check the engine recorded for the container, as "exit code N, OUTPUT", or null
   * when there is none.
   */
  String lastHealthCheck(String id);

  /** Registry credentials; never printed. */
  record RegistryCredentials(String registry, String username, String password) {
    @Override
    public String toString() {
      return "RegistryCredentials[" + registry + ", " + username + ", ****]";
    }
  }

  /** An error the engine reported, with its message. */
  final class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EngineException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
