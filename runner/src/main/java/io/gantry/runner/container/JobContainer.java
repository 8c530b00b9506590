package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A job's long-lived container ({@code container:}): the job's {@code run:} steps are {@code podman
 * exec}s into it. The workspace, {@code RUNNER_TEMP} (with the step scripts and the file-command
 * files), the tool cache and a home folder are mounted where GitHub's runner mounts them: {@code
 * /__w/NAME/NAME}, {@code /__w/_temp}, {@code /__t} and {@code /github/home}; host paths in a
 * step's environment and script are turned into these ({@link PathMap}).
 */
public final class JobContainer {

  static final String TEMP = "/__w/_temp";
  static final String TOOLS = "/__t";
  static final String HOME = "/github/home";
  static final String ACTIONS = "/__w/_actions";

  /** Variables of the Gantry process that a step in the container does not inherit. */
  private static final Set<String> HOST_ONLY =
      Set.of("PATH", "HOME", "HOSTNAME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TMPDIR");

  private final Podman podman;
  private final ContainerEngine engine;
  private final String id;
  private final String image;
  private final String jobId;
  private final PathMap paths;
  private final String workspace;
  private final String defaultPath;
  private final boolean hasBash;
  private final List<String> node;
  private final UnaryOperator<String> hostUrls;

  /**
   * The runtime services' URLs the job's actions get ({@code ACTIONS_CACHE_URL} and the rest), on
   * the host's loopback: turned into addresses the container reaches ({@link LoopbackRoutes}), in a
   * job container and in a container action's or {@code docker://} step's container alike.
   */
  static final Set<String> RUNTIME_URLS =
      Set.of(
          "ACTIONS_CACHE_URL",
          "ACTIONS_RESULTS_URL",
          "ACTIONS_RUNTIME_URL",
          "ACTIONS_ID_TOKEN_REQUEST_URL");

  private JobContainer(
      Podman podman,
      ContainerEngine engine,
      String id,
      String image,
      String jobId,
      PathMap paths,
      String workspace,
      String defaultPath,
      boolean hasBash,
      List<String> node,
      UnaryOperator<String> hostUrls) {
    this.hostUrls = hostUrls;
    this.podman = podman;
    this.engine = engine;
    this.id = id;
    this.image = image;
    this.jobId = jobId;
    this.paths = paths;
    this.workspace = workspace;
    this.defaultPath = defaultPath;
    this.hasBash = hasBash;
    this.node = node;
  }

  static JobContainer run(
      Podman podman,
      ContainerEngine engine,
      JobContainers.Request request,
      String network,
      String name,
      Map<String, String> labels,
      Consumer<String> created,
      UnaryOperator<String> hostUrls) {
    ContainerSettings s = request.container();
    String workspace = "/__w/" + request.workspaceName() + "/" + request.workspaceName();
    Path home = request.runnerTemp().resolve("_github_home").resolve(Labels.safe(request.jobKey()));
    try {
      PrivateFiles.createDirectories(home);
    } catch (IOException e) {
      throw new ContainerException("cannot create " + home + ": " + e.getMessage());
    }
    List<PathMap.Mount> mounts = new ArrayList<>();
    mounts.add(new PathMap.Mount(request.workspace().toString(), workspace));
    mounts.add(new PathMap.Mount(home.toString(), HOME));
    mounts.add(new PathMap.Mount(request.runnerTemp().toString(), TEMP));
    if (request.toolCache() != null
        && Files.isDirectory(request.toolCache())
        && !request.toolCache().startsWith(request.runnerTemp())) {
      mounts.add(new PathMap.Mount(request.toolCache().toString(), TOOLS));
    }
    if (request.actions() != null) {
      try {
        // actions are fetched into it as the steps come, after the container started
        Files.createDirectories(request.actions());
      } catch (IOException e) {
        throw new ContainerException("cannot create " + request.actions() + ": " + e.getMessage());
      }
      mounts.add(new PathMap.Mount(request.actions().toString(), ACTIONS));
    }
    HostNode hostNode = request.hostNode() == null ? null : HostNode.of(request.hostNode());
    List<String> binds = new ArrayList<>();
    for (PathMap.Mount m : mounts) {
      binds.add(
          m.host()
              + ":"
              + m.container()
              + (m.container().equals(TOOLS) || m.container().equals(ACTIONS) ? ":ro" : ""));
    }
    if (hostNode != null) {
      binds.addAll(hostNode.binds());
    }
    String id;
    try {
      id =
          engine.create(
              CreateSpecs.of(
                  s,
                  new CreateSpecs.Base(
                      name,
                      network,
                      List.of(request.jobId()),
                      labels,
                      binds,
                      List.of("HOME=" + HOME),
                      workspace,
                      // GitHub's runner keeps the container alive the same way
                      List.of("tail"),
                      List.of("-f", "/dev/null"))));
    } catch (EngineException e) {
      throw new ContainerException(s.what() + " did not start: " + e.getMessage());
    }
    created.accept(id);
    try {
      engine.start(id);
    } catch (EngineException e) {
      throw new ContainerException(s.what() + " did not start: " + e.getMessage());
    }
    // One podman exec (what every step is) finds bash, node and the image's PATH.
    Podman.Result bash =
        podman.run(
            JobContainers.COMMAND_TIMEOUT,
            "exec",
            id,
            "sh",
            "-c",
            "command -v bash || true; echo ::; command -v node || true; echo ::; echo \"$PATH\"");
    if (bash.exit() != 0) {
      String state = stateOf(engine, id);
      throw new ContainerException(
          s.what()
              + (state != null ? " " + state : " cannot run sh: " + bash.error())
              + "; a job container needs a shell and a long-running entrypoint");
    }
    String[] found = bash.out().split("::", 3);
    String path =
        found.length > 2 && !found[2].isBlank()
            ? found[2].strip()
            : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    String ownNode = found.length > 1 ? found[1].strip() : "";
    List<String> node =
        !ownNode.isEmpty() ? List.of(ownNode) : hostNode != null ? hostNode.command() : List.of();
    return new JobContainer(
        podman,
        engine,
        id,
        s.image(),
        request.jobId(),
        new PathMap(mounts),
        workspace,
        path,
        !found[0].isBlank(),
        node,
        hostUrls);
  }

  /**
   * How to start Node.js in the container: the image's own {@code node} when it has one, else the
   * host's mounted at {@code /__e/node}; empty when neither.
   */
  public List<String> node() {
    return node;
  }

  public String id() {
    return id;
  }

  public String image() {
    return image;
  }

  /** GITHUB_WORKSPACE inside the container. */
  public String workspace() {
    return workspace;
  }

  public PathMap paths() {
    return paths;
  }

  public boolean hasBash() {
    return hasBash;
  }

  /**
   * A step's environment as the container sees it: without the variables the Gantry process itself
   * has (the host's, which a container does not inherit), with host paths turned into the
   * container's, {@code HOME} the job's home, {@code PATH} the image's behind what steps added, and
   * the runtime services' loopback URLs ({@link #RUNTIME_URLS}) reachable from the container.
   *
   * @throws ContainerException when a runtime URL cannot be reached from the job's network (one
   *     line saying what to configure)
   */
  public Map<String, String> environment(Map<String, String> stepEnv) {
    Map<String, String> host = System.getenv();
    Map<String, String> env = new LinkedHashMap<>();
    stepEnv.forEach(
        (k, v) -> {
          boolean inherited = v != null && v.equals(host.get(k)) && !k.startsWith("GITHUB_");
          if (!inherited && !HOST_ONLY.contains(k)) {
            env.put(k, RUNTIME_URLS.contains(k) ? hostUrls.apply(v) : paths.toContainer(v));
          }
        });
    String hostPath = host.getOrDefault("PATH", "");
    String stepPath = stepEnv.getOrDefault("PATH", "");
    String added =
        stepPath.endsWith(hostPath)
            ? stepPath.substring(0, stepPath.length() - hostPath.length())
            : "";
    env.put("PATH", paths.toContainer(added) + defaultPath);
    env.put("HOME", HOME);
    env.put("GITHUB_WORKSPACE", workspace);
    return env;
  }

  /**
   * {@code podman exec} of a command in the container: {@code env}'s names as {@code --env NAME}
   * (their values come from the environment of the podman process the caller starts).
   */
  public List<String> execCommand(
      String workingDirectory, Iterable<String> envNames, List<String> argv) {
    List<String> args = new ArrayList<>(List.of("exec", "--workdir=" + workingDirectory));
    for (String name : envNames) {
      args.add("--env=" + name);
    }
    args.add(id);
    args.addAll(argv);
    return podman.command(args);
  }

  /** The podman process's own variables (CONTAINERS_CONF when Gantry chose it). */
  public Map<String, String> podmanEnvironment() {
    return podman.environment();
  }

  /** Null while the container runs, else one line saying it exited and with what code. */
  public String exitedMessage() {
    String state = stateOf(engine, id);
    return state == null
        ? null
        : "the job container (" + image + ") of job '" + jobId + "' " + state;
  }

  private static String stateOf(ContainerEngine engine, String id) {
    ContainerStatus state;
    try {
      state = engine.inspect(id);
    } catch (EngineException e) {
      return "is gone (" + e.getMessage() + ")";
    }
    if (state == null) {
      return "is gone";
    }
    return state.running() ? null : "exited with code " + state.exitCode();
  }

  /** Stops what a step left running in the container (after a timeout or cancel). */
  public void killProcesses() {
    podman.run(
        JobContainers.COMMAND_TIMEOUT, "exec", id, "sh", "-c", "kill -9 -1 2>/dev/null; true");
  }
}
