package io.gantry.localecs;

import io.gantry.engine.ChildProcess;
import io.gantry.engine.DockerEngine;
import io.gantry.engine.Executables;
import io.gantry.engine.PodmanService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    Map<String, String> env = new HashMap<>();
    try {
      Files.createDirectories(dir);
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
    PodmanService service = PodmanService.start(dir, env);
    return new Started(service.engine(), service.process(), service.dockerHost());
  }

  /** Runc and ulimits an unprivileged container host can set (see etc/containers.conf). */
  static String containersConf() {
    return PodmanService.containersConf("local-ecs");
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
    return Executables.which(command);
  }
}
