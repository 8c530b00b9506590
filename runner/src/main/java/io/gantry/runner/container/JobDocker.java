package io.gantry.runner.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code docker} command of one job's steps on a host with Podman: {@code docker build}, {@code
 * docker login} and {@code docker push} in a {@code run:} step go to Podman (what Debian's {@code
 * podman-docker} does), with a configuration of the job's own, so that a login lasts as long as the
 * job and a plain-HTTP registry is trusted for this job only, never for the whole host.
 *
 * <p>The job's steps get, in their environment:
 *
 * <ul>
 *   <li>{@code PATH} with a folder of Gantry's first, holding a {@code docker} that runs Podman: a
 *       {@code docker} elsewhere on the PATH (a Docker client in {@code /usr/local/bin}, with no
 *       engine to talk to) does not shadow it;
 *   <li>{@code DOCKER_CONFIG} (the Docker CLI's and {@code gantry/build-image}'s credentials) and
 *       {@code REGISTRY_AUTH_FILE} (Podman's), one and the same {@code config.json}: Podman writes
 *       the {@code auths} format Docker reads;
 *   <li>{@code CONTAINERS_REGISTRIES_CONF}: the host's {@code registries.conf} plus the plain-HTTP
 *       registries the job logged in to (local-ecs's ECR on loopback) marked {@code insecure}.
 * </ul>
 *
 * The files are created only when a step logs in (nothing is written for a job that does not), in a
 * private (0700) folder under the run's temporary folder, removed with it. Where a Docker engine is
 * configured ({@code DOCKER_HOST}, or a {@code /var/run/docker.sock} that is not Podman's), Gantry
 * leaves {@code docker} alone. Thread-safe.
 */
public final class JobDocker {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path HOST_REGISTRIES = Path.of("/etc/containers/registries.conf");

  /** The {@code docker} command written once per data directory, by that folder. */
  private static final Map<Path, Path> SHIMS = new ConcurrentHashMap<>();

  private final Path dir;
  private final Path bin;
  private final Set<String> insecure = new LinkedHashSet<>();

  private JobDocker(Path dir, Path bin) {
    this.dir = dir;
    this.bin = bin;
  }

  /**
   * The job's {@code docker}, or null when this host has no Podman or uses a Docker engine of its
   * own.
   *
   * @param dir the job's folder for its configuration (created with the job's first step)
   * @param dataDir Gantry's data directory, where the {@code docker} command is written once
   */
  public static JobDocker forJob(Path dir, Path dataDir) {
    if (dockerEngine()) {
      return null;
    }
    Path bin;
    try {
      bin = SHIMS.computeIfAbsent(dataDir.toAbsolutePath(), JobDocker::writeShim);
    } catch (ContainerException e) {
      return null;
    }
    return bin == null ? null : new JobDocker(dir, bin);
  }

  /**
   * What the job's next step gets in its environment (see the class comment), PATH aside. {@code
   * CONTAINERS_REGISTRIES_CONF} only once a plain-HTTP registry was logged in to: Podman refuses a
   * configuration file that does not exist.
   */
  public synchronized Map<String, String> environment() {
    Path config = dir.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      // Podman stats REGISTRY_AUTH_FILE on every pull or run, logged in or not: it must exist.
      try {
        PrivateFiles.createDirectories(dir);
        PrivateFiles.writeString(config, "{}\n");
      } catch (IOException e) {
        throw new ContainerException(
            "cannot write the job's Docker configuration in " + dir + ": " + e.getMessage());
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DOCKER_CONFIG", dir.toString());
    env.put("REGISTRY_AUTH_FILE", dir.resolve("config.json").toString());
    if (!insecure.isEmpty()) {
      env.put("CONTAINERS_REGISTRIES_CONF", dir.resolve("registries.conf").toString());
    }
    return env;
  }

  /** The folder to put first on the job's PATH: it holds the {@code docker} command. */
  public String binDirectory() {
    return bin.toString();
  }

  /**
   * Logs the job's {@code docker} in to a registry, as {@code docker login} would (an {@code auths}
   * entry in the job's {@code config.json}); a plain-HTTP registry is also marked insecure in the
   * job's {@code registries.conf}.
   *
   * @param registry the registry's host (and port), without a scheme
   */
  public synchronized void login(
      String registry, String username, String password, boolean plainHttp) {
    try {
      PrivateFiles.createDirectories(dir);
      Path config = dir.resolve("config.json");
      ObjectNode root =
          Files.isRegularFile(config) && JSON.readTree(config.toFile()) instanceof ObjectNode o
              ? o
              : JSON.createObjectNode();
      ObjectNode auths = root.get("auths") instanceof ObjectNode a ? a : root.putObject("auths");
      String auth =
          Base64.getEncoder()
              .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
      auths.putObject(registry).put("auth", auth);
      PrivateFiles.writeString(
          config, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
      if (plainHttp && insecure.add(registry)) {
        PrivateFiles.writeString(dir.resolve("registries.conf"), registriesConf(insecure));
      }
    } catch (IOException e) {
      throw new ContainerException(
          "cannot write the job's Docker configuration in " + dir + ": " + e.getMessage());
    }
  }

  /** The host's registries.conf, with the job's plain-HTTP registries marked insecure after it. */
  static String registriesConf(Set<String> insecure) throws IOException {
    StringBuilder conf = new StringBuilder();
    String host = Files.isReadable(HOST_REGISTRIES) ? Files.readString(HOST_REGISTRIES) : "";
    conf.append(host);
    conf.append("\n# Added by Gantry for this job: registries it logged in to over plain HTTP.\n");
    for (String registry : insecure) {
      if (host.contains("\"" + registry + "\"")) {
        continue; // the host's own entry for it stands
      }
      conf.append("[[registry]]\nlocation = \"").append(registry).append("\"\ninsecure = true\n\n");
    }
    return conf.toString();
  }

  /** True when {@code docker} has a Docker engine to talk to that is not Podman. */
  private static boolean dockerEngine() {
    String host = System.getenv("DOCKER_HOST");
    if (host != null && !host.isBlank()) {
      return !host.contains("podman");
    }
    Path socket = Path.of("/var/run/docker.sock");
    if (!Files.exists(socket)) {
      return false;
    }
    try {
      return !socket.toRealPath().toString().contains("podman");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes {@code DATA/containers/bin/docker}: Podman with Gantry's containers.conf when the
   * environment names none (runc, and ulimits an unprivileged host can set). Podman itself, not
   * podman-docker's {@code /usr/bin/docker}, which prints a notice on every call.
   */
  private static Path writeShim(Path dataDir) {
    Podman podman = Podman.locate(dataDir);
    Path bin = dataDir.resolve("containers").resolve("bin");
    StringBuilder script = new StringBuilder("#!/bin/sh\n");
    script.append("# Written by Gantry: `docker` in a job's steps is Podman.\n");
    String conf = podman.environment().get("CONTAINERS_CONF");
    if (conf != null) {
      script
          .append("[ -n \"$CONTAINERS_CONF\" ] || CONTAINERS_CONF=")
          .append(quote(conf))
          .append("\nexport CONTAINERS_CONF\n");
    }
    script.append("exec ").append(quote(podman.command(java.util.List.of()).get(0)));
    script.append(" \"$@\"\n");
    try {
      Files.createDirectories(bin);
      Path docker = bin.resolve("docker");
      Path temp = Files.createTempFile(bin, "docker", ".tmp");
      Files.writeString(temp, script.toString());
      Files.setPosixFilePermissions(
          temp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(temp, docker, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return bin;
    } catch (IOException e) {
      throw new ContainerException("cannot write " + bin.resolve("docker") + ": " + e.getMessage());
    }
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }
}
