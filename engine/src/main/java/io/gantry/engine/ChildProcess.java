package io.gantry.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A helper process Gantry owns (Podman's API service, local-ecs's registry): output to a log file
 * in the data directory, stopped with SIGTERM (SIGKILL after 10 s) when closed.
 *
 * <p>Its pid and start time are written to a pid file next to the log while it runs, so that when
 * its owner was killed (kill -9: its children live on), the next start on the same data directory
 * finds the old child and stops it ({@link #stopLeftover}) before starting its own: one copy of
 * each, and the ports they held are free again.
 */
public final class ChildProcess implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ChildProcess.class.getName());

  private final String what;
  private final Process process;
  private final Path log;
  private final Path pidFile;

  private ChildProcess(String what, Process process, Path log, Path pidFile) {
    this.what = what;
    this.process = process;
    this.log = log;
    this.pidFile = pidFile;
  }

  /**
   * Starts the process after stopping what a pid file of an earlier process names.
   *
   * @param pidFile where its pid is kept while it runs
   * @param marker a string of the command line that only this data directory's child has (a path in
   *     it), so a reused pid of another process is never signalled
   */
  public static ChildProcess start(
      String what,
      List<String> command,
      Map<String, String> env,
      Path log,
      Path pidFile,
      String marker) {
    stopLeftover(what, pidFile, marker);
    try {
      Files.createDirectories(log.getParent());
      // In a session of its own: a Ctrl-C in the terminal reaches only its owner, which
      // then stops its tasks cleanly before it stops this child (not the other way round).
      List<String> argv = new ArrayList<>(command);
      String setsid = Executables.which("setsid");
      if (setsid != null) {
        argv.add(0, setsid);
      }
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      ChildProcess child = new ChildProcess(what, process, log, pidFile);
      try {
        Files.writeString(
            pidFile,
            process.pid() + " " + startMillis(process.toHandle()) + "\n",
            StandardCharsets.UTF_8);
      } catch (IOException e) {
        child.close();
        throw e;
      }
      return child;
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start " + what + " (" + command.get(0) + "): " + e.getMessage(), e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** The failure to report when the process died before it was ready. */
  public IllegalStateException died() {
    String tail = "";
    try {
      List<String> lines = Files.readAllLines(log);
      tail = lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1);
    } catch (IOException e) {
      // keep the message without the log's last line
    }
    return new IllegalStateException(
        what + " exited with " + process.exitValue() + tail + " (log: " + log + ")");
  }

  /**
   * Stops the process a pid file names when it still runs and is the one written there (same start
   * time, the marker in its command line): SIGTERM, SIGKILL after 10 s. The pid file is removed
   * either way.
   */
  public static void stopLeftover(String what, Path pidFile, String marker) {
    if (!Files.exists(pidFile)) {
      return;
    }
    try {
      String[] parts = Files.readString(pidFile, StandardCharsets.UTF_8).strip().split(" ");
      long pid = Long.parseLong(parts[0]);
      long started = parts.length > 1 ? Long.parseLong(parts[1]) : -1;
      ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
      if (handle != null
          && handle.isAlive()
          && startMillis(handle) == started
          && commandLine(pid).contains(marker)) {
        LOG.info("stopping " + what + " (pid " + pid + ") left running by an earlier process");
        stop(handle);
      }
      Files.deleteIfExists(pidFile);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "could not read or act on " + pidFile, e);
    }
  }

  private static void stop(ProcessHandle handle) {
    handle.destroy();
    try {
      handle.onExit().get(10, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      handle.destroyForcibly();
      try {
        handle.onExit().get(5, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException again) {
        // left to the operating system
      } catch (InterruptedException again) {
        Thread.currentThread().interrupt();
      }
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static long startMillis(ProcessHandle handle) {
    return handle.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
  }

  private static String commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
    }
  }

  @Override
  public void close() {
    stop(process.toHandle());
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "could not remove " + pidFile, e);
    }
  }
}
