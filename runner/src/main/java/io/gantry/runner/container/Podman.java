package io.gantry.runner.container;

import io.gantry.engine.ChildProcess;
import io.gantry.engine.ContainerEngine;
import io.gantry.engine.Executables;
import io.gantry.engine.PodmanService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code podman} command, as job and service containers use it (GitHub's runner drives the
 * {@code docker} command the same way). Podman runs with the {@code CONTAINERS_CONF} of the
 * environment, or one of Gantry's own written to the data directory (runc, and ulimits an
 * unprivileged host can set: see {@code etc/containers.conf}).
 *
 * <p>Thread-safe; every call blocks until the command ended or its timeout passed.
 */
public final class Podman {

  /** The most of a command's output kept (each of stdout and stderr). */
  private static final int MAX_OUTPUT = 64 * 1024;

  /** The API service of this process, shared by every data directory's jobs; null until used. */
  private static PodmanService service;

  private static boolean shutdownHook;

  private final String executable;
  private final Map<String, String> env;
  private final Path containersDir;

  Podman(String executable, Map<String, String> env, Path containersDir) {
    this.executable = executable;
    this.env = Map.copyOf(env);
    this.containersDir = containersDir;
  }

  /**
   * The engine client, on Podman's API service of this process: started on first use in a private
   * temporary folder, stopped when the process exits (its pid in {@code
   * DATA/containers/podman-OWNERPID.pid}, so a service left by a {@code kill -9} is stopped by the
   * next start on the data directory; a live owner's is left alone). One service for the whole
   * process: containers, networks and images are Podman's, whatever socket they are reached
   * through.
   */
  public ContainerEngine engine() {
    synchronized (Podman.class) {
      if (service != null && service.isAlive()) {
        return service.engine();
      }
      if (service != null) {
        service.close();
      }
      Path dir;
      try {
        dir = Files.createTempDirectory(SERVICE_PREFIX);
      } catch (IOException e) {
        throw new ContainerException("cannot create a folder for Podman's API service: " + e);
      }
      stopLeftovers();
      try {
        service =
            PodmanService.start(
                dir,
                containersDir.resolve("podman-" + ProcessHandle.current().pid() + ".pid"),
                SERVICE_PREFIX,
                env);
      } catch (RuntimeException e) {
        throw new ContainerException("cannot start Podman's API service: " + e.getMessage());
      }
      if (!shutdownHook) {
        shutdownHook = true;
        Runtime.getRuntime()
            .addShutdownHook(new Thread(Podman::stopService, "gantry-podman-service-stop"));
      }
      return service.engine();
    }
  }

  /**
   * Stops the services of earlier Gantry processes on this data directory that died without
   * stopping theirs ({@code kill -9}): each pid file names its owner, and a service whose owner
   * still runs (another Gantry on the same data directory) is left alone.
   */
  private void stopLeftovers() {
    try (var files = Files.list(containersDir)) {
      for (Path f : files.toList()) {
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("podman-(\\d+)\\.pid")
                .matcher(f.getFileName().toString());
        if (m.matches()
            && !ProcessHandle.of(Long.parseLong(m.group(1)))
                .map(ProcessHandle::isAlive)
                .orElse(false)) {
          ChildProcess.stopLeftover("podman system service", f, SERVICE_PREFIX);
        }
      }
    } catch (IOException | RuntimeException e) {
      // nothing to stop, or not readable: the leftover lives on, harmless
    }
  }

  private static void stopService() {
    PodmanService s;
    synchronized (Podman.class) {
      s = service;
      service = null;
    }
    if (s != null) {
      Path dir = Path.of(s.dockerHost().substring("unix://".length())).getParent();
      s.close();
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        // a temporary folder: left to the system's clean-up
      }
    }
  }

  /** The prefix of the service's folder, also what tells its command line from others'. */
  private static final String SERVICE_PREFIX = "gantry-podman-";

  /**
   * Podman from the PATH, or a {@link ContainerException} saying how to install it.
   *
   * @param dataDir where Gantry's own containers.conf goes when CONTAINERS_CONF is not set
   */
  public static Podman locate(Path dataDir) {
    String podman = which("podman");
    if (podman == null) {
      throw new ContainerException(
          "podman is not installed: job containers and services need it (apt-get install podman"
              + " runc; scripts/setup does)");
    }
    Map<String, String> env = new LinkedHashMap<>();
    String conf = System.getenv("CONTAINERS_CONF");
    // the folder also tells the start-up sweep that this data directory has had containers
    Path own = dataDir.resolve("containers").resolve("containers.conf");
    try {
      Files.createDirectories(own.getParent());
      if (conf == null || conf.isBlank()) {
        Files.writeString(own, containersConf());
        env.put("CONTAINERS_CONF", own.toString());
      }
    } catch (IOException e) {
      throw new ContainerException("cannot write " + own + ": " + e.getMessage());
    }
    return new Podman(podman, env, own.getParent());
  }

  /** The output of one command. */
  public record Result(int exit, String out, String err) {

    boolean ok() {
      return exit == 0;
    }

    /** The last line Podman printed on stderr (its error), without its "Error: " prefix. */
    String error() {
      String text = err.isBlank() ? out : err;
      String last = "";
      for (String line : text.strip().split("\n")) {
        if (!line.isBlank() && !line.contains("level=") && !line.startsWith("failed to connect")) {
          last = line.strip();
        }
      }
      if (last.startsWith("Error: ")) {
        last = last.substring("Error: ".length());
      }
      return last.isEmpty() ? "podman exited with code " + exit : last;
    }
  }

  /** Runs {@code podman ARGS}; a command over its timeout is killed and gives exit code -1. */
  public Result run(Duration timeout, List<String> args) {
    return run(timeout, args, Map.of());
  }

  /**
   * Runs {@code podman ARGS} with more variables in its environment: how values that may be secret
   * reach a container ({@code --env NAME} takes the value from Podman's own environment), never
   * through a command line other users of the host can read.
   */
  public Result run(Duration timeout, List<String> args, Map<String, String> extraEnv) {
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(extraEnv);
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      CompletableFuture<String> out = read(process.getInputStream());
      CompletableFuture<String> err = read(process.getErrorStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        return new Result(-1, out.join(), "timed out after " + timeout.toSeconds() + " s");
      }
      return new Result(process.exitValue(), out.join().strip(), err.join().strip());
    } catch (IOException e) {
      return new Result(-1, "", "cannot run podman: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "", "interrupted");
    }
  }

  public Result run(Duration timeout, String... args) {
    return run(timeout, List.of(args));
  }

  /** The command line of {@code podman ARGS}, for a process the caller runs itself. */
  public List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(args);
    return command;
  }

  /** The variables Podman needs in its environment (CONTAINERS_CONF when Gantry chose it). */
  public Map<String, String> environment() {
    return env;
  }

  private static CompletableFuture<String> read(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            byte[] kept = stream.readNBytes(MAX_OUTPUT);
            stream.transferTo(java.io.OutputStream.nullOutputStream());
            return new String(kept, StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  /** Runc and ulimits an unprivileged container host can set (as local-ecs writes them). */
  static String containersConf() {
    return PodmanService.containersConf("Gantry");
  }

  static String which(String command) {
    return Executables.which(command);
  }
}
