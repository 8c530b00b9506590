package io.gantry.localecs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses and, where needed, starts the container engine: a Docker engine when DOCKER_HOST (or the
 * option) names one, otherwise Podman's Docker-compatible service as a child process on a socket in
 * the data directory, with a containers.conf and registries.conf of local-ecs's own there.
 */
final class Engines {

  private Engines() {}

  /** The engine and the child process behind it (null for an existing Docker engine). */
  record Started(DockerEngine engine, ChildProcess process, String dockerHost) {}

  static Started start(LocalEcs.Options options, List<String> insecureRegistries) {
    String dockerHost = options.dockerHost();
    if (dockerHost == null) {
      dockerHost = System.getenv("DOCKER_HOST");
    }
    if (dockerHost != null && !dockerHost.isBlank()) {
      DockerEngine engine = new DockerEngine(dockerHost);
      engine.awaitReady(Duration.ofSeconds(10));
      return new Started(engine, null, dockerHost);
    }
    String podman = which("podman");
    if (podman == null) {
      throw new IllegalStateException(
          "no container engine: podman is not on the PATH and DOCKER_HOST is not set; install"
              + " podman (scripts/setup does) or point DOCKER_HOST at a Docker engine");
    }
    Path dir = options.dataDir().resolve("podman");
    Path socket = dir.resolve("podman.sock");
    Map<String, String> env = new HashMap<>();
    try {
      Files.createDirectories(dir);
      // A service left running by a local-ecs that was killed still serves the socket.
      ChildProcess.stopLeftover(
          "podman system service", dir.resolve("podman.pid"), socket.toString());
      Files.deleteIfExists(socket);
      String conf = System.getenv("CONTAINERS_CONF");
      if (conf == null || conf.isBlank()) {
        Path own = dir.resolve("containers.conf");
        Files.writeString(own, containersConf());
        env.put("CONTAINERS_CONF", own.toString());
      }
      Path registries = dir.resolve("registries.conf");
      Files.writeString(registries, registriesConf(insecureRegistries));
      env.put("CONTAINERS_REGISTRIES_CONF", registries.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir + ": " + e.getMessage(), e);
    }
    ChildProcess process =
        ChildProcess.start(
            "podman system service",
            List.of(podman, "system", "service", "--time=0", "unix://" + socket),
            env,
            dir.resolve("podman.log"),
            dir.resolve("podman.pid"),
            socket.toString());
    String host = "unix://" + socket;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.exists(socket)) {
      if (!process.isAlive()) {
        throw process.died();
      }
      if (System.nanoTime() > deadline) {
        process.close();
        throw new IllegalStateException(
            "podman system service did not create "
                + socket
                + " within 30 s (log: "
                + dir.resolve("podman.log")
                + ")");
      }
      sleep(20);
    }
    DockerEngine engine = new DockerEngine(host);
    try {
      engine.awaitReady(Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    return new Started(engine, process, host);
  }

  /** Runc and ulimits an unprivileged container host can set (see etc/containers.conf). */
  static String containersConf() {
    StringBuilder conf = new StringBuilder();
    conf.append("# Written by local-ecs; CONTAINERS_CONF overrides it.\n");
    conf.append("[containers]\n");
    conf.append("default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n");
    if (which("runc") != null) {
      conf.append("[engine]\nruntime = \"runc\"\n");
    }
    return conf.toString();
  }

  static String registriesConf(List<String> insecure) {
    StringBuilder conf = new StringBuilder();
    conf.append("# Written by local-ecs: the local registry is served over plain HTTP.\n");
    conf.append("unqualified-search-registries = []\n");
    for (String registry : insecure) {
      conf.append("\n[[registry]]\nlocation = \"").append(registry).append("\"\ninsecure = true\n");
    }
    return conf.toString();
  }

  static String which(String command) {
    String path = System.getenv("PATH");
    List<String> dirs = new ArrayList<>(List.of(path == null ? new String[0] : path.split(":")));
    dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"));
    for (String dir : dirs) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
