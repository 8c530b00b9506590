package io.gantry.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Podman's Docker-compatible API service ({@code podman system service}) as a child process of
 * Gantry's, on a socket in a folder of its own ({@code podman.sock}, with {@code podman.log} and
 * {@code podman.pid}), and the {@link DockerEngine} client talking to it. A service left running by
 * an owner that was killed ({@code kill -9}) is stopped first, so each folder has one.
 *
 * <p>Contract: {@link #start} returns once the service answers a ping, or throws an {@link
 * IllegalStateException} naming the log file; {@link #close} closes the client and stops the
 * service (SIGTERM, SIGKILL after 10 s). Thread-safe once started.
 */
public final class PodmanService implements AutoCloseable {

  private static final Duration READY = Duration.ofSeconds(30);

  private final DockerEngine engine;
  private final ChildProcess process;
  private final String dockerHost;

  private PodmanService(DockerEngine engine, ChildProcess process, String dockerHost) {
    this.engine = engine;
    this.process = process;
    this.dockerHost = dockerHost;
  }

  /**
   * Starts the service in {@code dir}.
   *
   * @param env variables for the service (CONTAINERS_CONF, CONTAINERS_REGISTRIES_CONF), on top of
   *     this process's environment
   */
  public static PodmanService start(Path dir, Map<String, String> env) {
    return start(dir, dir.resolve("podman.pid"), dir.resolve("podman.sock").toString(), env);
  }

  /**
   * Starts the service in {@code dir}, with its pid file elsewhere (a folder that outlives {@code
   * dir}, so a service left by a killed owner is found again).
   *
   * @param marker a string the command line of this owner's services has (and no other process's)
   */
  public static PodmanService start(
      Path dir, Path pidFile, String marker, Map<String, String> env) {
    String podman = Executables.which("podman");
    if (podman == null) {
      throw new IllegalStateException(
          "podman is not installed (apt-get install podman runc; scripts/setup does)");
    }
    Path socket = dir.resolve("podman.sock");
    try {
      Files.createDirectories(dir);
      // A service left running by an owner that was killed still serves the socket.
      ChildProcess.stopLeftover("podman system service", pidFile, marker);
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir + ": " + e.getMessage(), e);
    }
    ChildProcess process =
        ChildProcess.start(
            "podman system service",
            List.of(podman, "system", "service", "--time=0", "unix://" + socket),
            env,
            dir.resolve("podman.log"),
            pidFile,
            marker);
    String host = "unix://" + socket;
    long deadline = System.nanoTime() + READY.toNanos();
    while (!Files.exists(socket)) {
      if (!process.isAlive()) {
        throw process.died();
      }
      if (System.nanoTime() > deadline) {
        process.close();
        throw new IllegalStateException(
            "podman system service did not create "
                + socket
                + " within "
                + READY.toSeconds()
                + " s (log: "
                + dir.resolve("podman.log")
                + ")");
      }
      sleep(10);
    }
    DockerEngine engine = new DockerEngine(host);
    try {
      engine.awaitReady(READY);
    } catch (RuntimeException e) {
      engine.close();
      process.close();
      throw e;
    }
    return new PodmanService(engine, process, host);
  }

  /**
   * A containers.conf an unprivileged container host can use: runc (crun fails on hosts with
   * cgroups in hybrid mode) when it is installed, and ulimits at or below the usual hard limits
   * (Podman's default nofile of 1048576 needs CAP_SYS_RESOURCE). See {@code etc/containers.conf}.
   *
   * @param writer who wrote it, for the file's first line
   */
  public static String containersConf(String writer) {
    StringBuilder conf = new StringBuilder();
    conf.append("# Written by ").append(writer).append("; CONTAINERS_CONF overrides it.\n");
    conf.append("[containers]\n");
    conf.append("default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n");
    if (Executables.which("runc") != null) {
      conf.append("[engine]\nruntime = \"runc\"\n");
    }
    return conf.toString();
  }

  public DockerEngine engine() {
    return engine;
  }

  /** The service's child process. */
  public ChildProcess process() {
    return process;
  }

  /** {@code unix:///…/podman.sock}, for DOCKER_HOST. */
  public String dockerHost() {
    return dockerHost;
  }

  /** Whether the service process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    engine.close();
    process.close();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
