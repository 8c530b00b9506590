package io.gantry.runner.container;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A Docker container action's container ({@code runs.using: docker}, or a step's {@code uses:
 * docker://IMAGE}), as GitHub's runner runs it: one {@code podman run --rm} per step, the workspace
 * at {@code /github/workspace} (also the working directory), the file-command files at {@code
 * /github/file_commands}, the event at {@code /github/workflow/event.json}, {@code HOME} at {@code
 * /github/home}; {@code INPUT_*}, {@code GITHUB_*}, {@code RUNNER_*}, {@code CI} and the step's own
 * environment passed in (values through Podman's environment, never its command line).
 */
public final class ActionContainer {

  private final Podman podman;
  private final Path dataDir;

  public ActionContainer(Path dataDir) {
    this.dataDir = dataDir;
    this.podman = Podman.locate(dataDir);
  }

  /** What the caller runs as the step's process, and the container's name for clean-up. */
  public record Prepared(List<String> command, Map<String, String> processEnv, String name) {}

  /** Pulls {@code docker://IMAGE}'s image when Podman does not have it. */
  public String pull(String image, Consumer<String> log) {
    ContainerSettings settings =
        new ContainerSettings("", image, null, null, Map.of(), List.of(), List.of(), null);
    Images images = new Images(podman.engine());
    if (!images.exists(image)) {
      log.accept("Pulling " + image);
    }
    images.ensure(settings, () -> false);
    return image;
  }

  /**
   * Builds the action's {@code Dockerfile} with Podman, tagged by the folder's content path (a
   * fetched action's folder is per commit, so one build per action version).
   */
  public String build(Path actionDir, String dockerfile, Consumer<String> log) {
    Path file = actionDir.resolve(dockerfile).normalize();
    if (!file.startsWith(actionDir) || !Files.isRegularFile(file)) {
      throw new ContainerException(
          "the action's image '"
              + dockerfile
              + "' is not a file of the action ("
              + actionDir
              + ")");
    }
    String tag = "localhost/gantry-action/" + hash(actionDir + "\n" + dockerfile) + ":1";
    if (new Images(podman.engine()).exists(tag)) {
      return tag;
    }
    log.accept("Building the action's image from " + dockerfile);
    Podman.Result build =
        podman.run(
            JobContainers.PULL_TIMEOUT,
            "build",
            "-q",
            "--tls-verify=false",
            "-f",
            file.toString(),
            "-t",
            tag,
            actionDir.toString());
    if (!build.ok()) {
      throw new ContainerException("cannot build the action's image: " + build.error());
    }
    return tag;
  }

  /**
   * The {@code podman run} of a step.
   *
   * <p>On {@code network}, the job's when it has one (services or a job container), so its services
   * are reachable by their ids, as on GitHub; the runtime services' URLs on the host's loopback
   * ({@link JobContainer#RUNTIME_URLS}: {@code ACTIONS_CACHE_URL} and the rest) turned by {@code
   * hostUrls} into the addresses that network reaches them by ({@link JobContainers#reachable}).
   * Without a job network the container shares the host's network, as the job's {@code run:} steps
   * do, and those URLs are reachable as they are.
   *
   * @param env the step's environment (host paths in it are turned into the container's)
   * @param inputs {@code INPUT_*} variables and the action's own {@code runs.env}
   * @param network the job's network, or null to run on the host's
   * @param hostUrls loopback URL to the one the job's network reaches (used with a network only)
   * @throws ContainerException when a runtime URL cannot be reached from the job's network
   */
  public Prepared prepare(
      long runId,
      String jobKey,
      String image,
      String entrypoint,
      List<String> args,
      Map<String, String> env,
      Map<String, String> inputs,
      Path workspace,
      Path stepFiles,
      Path eventFile,
      Path home,
      String network,
      UnaryOperator<String> hostUrls) {
    String store = Labels.store(dataDir);
    String name =
        "gantry-"
            + store
            + "-"
            + runId
            + "-"
            + Labels.safe(jobKey)
            + "-action-"
            + UUID.randomUUID().toString().substring(0, 8);
    List<PathMap.Mount> mounts = new ArrayList<>();
    mounts.add(new PathMap.Mount(workspace.toString(), "/github/workspace"));
    mounts.add(new PathMap.Mount(stepFiles.toString(), "/github/file_commands"));
    mounts.add(new PathMap.Mount(home.toString(), "/github/home"));
    if (eventFile != null && Files.isRegularFile(eventFile)) {
      mounts.add(new PathMap.Mount(eventFile.toString(), "/github/workflow/event.json"));
    }
    PathMap paths = new PathMap(mounts);
    List<String> runArgs = new ArrayList<>(List.of("run", "--rm", "--name", name));
    runArgs.addAll(Labels.args(store, runId, jobKey, "action"));
    for (PathMap.Mount m : mounts) {
      runArgs.add("--volume=" + m.host() + ":" + m.container());
    }
    runArgs.add("--workdir=/github/workspace");
    runArgs.add("--network=" + (network != null ? network : "host"));
    Map<String, String> containerEnv = new LinkedHashMap<>();
    Map<String, String> host = System.getenv();
    env.forEach(
        (k, v) -> {
          boolean inherited = v != null && v.equals(host.get(k)) && !k.startsWith("GITHUB_");
          if (!inherited && !k.equals("PATH") && !k.equals("HOME") && !k.equals("HOSTNAME")) {
            containerEnv.put(
                k,
                network != null && JobContainer.RUNTIME_URLS.contains(k)
                    ? hostUrls.apply(v)
                    : paths.toContainer(v));
          }
        });
    containerEnv.putAll(inputs);
    containerEnv.put("HOME", "/github/home");
    containerEnv.put("GITHUB_WORKSPACE", "/github/workspace");
    Map<String, String> processEnv = new LinkedHashMap<>(host);
    for (Map.Entry<String, String> e : containerEnv.entrySet()) {
      if (e.getKey().equals("HOME") || e.getKey().contains("=")) {
        runArgs.add("--env=HOME=/github/home");
      } else {
        runArgs.add("--env=" + e.getKey());
        processEnv.put(e.getKey(), e.getValue());
      }
    }
    processEnv.put("PATH", host.getOrDefault("PATH", "/usr/bin:/bin"));
    processEnv.put("HOME", host.getOrDefault("HOME", "/root"));
    processEnv.putAll(podman.environment());
    if (entrypoint != null && !entrypoint.isBlank()) {
      runArgs.add("--entrypoint=" + entrypoint);
    }
    runArgs.add(image);
    for (String arg : args) {
      runArgs.add(paths.toContainer(arg));
    }
    return new Prepared(podman.command(runArgs), processEnv, name);
  }

  /** Removes the step's container (after a timeout or cancel; {@code --rm} covers the rest). */
  public void remove(String name) {
    podman.run(JobContainers.COMMAND_TIMEOUT, "rm", "-f", "-t", "0", name);
  }

  private static String hash(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)),
              0,
              12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
