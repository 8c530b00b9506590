package io.gantry.runner.execution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Every step process carries {@value #VARIABLE}{@code =OWNER:PROCESS:RUN:JOB} in its environment
 * (OWNER names the data directory, PROCESS the Gantry process running the job: its PID and start
 * time), and so does everything it starts, including what leaves the step's process group ({@code
 * setsid}, a double-forked daemon). At a job's end, and when a server or {@code gantry run} starts
 * over what a killed one left, the processes carrying the marker are found in {@code /proc} and
 * killed; at start-up only those whose Gantry process is gone, never those of another Gantry
 * process still running on the same data directory. A process that empties its own environment
 * ({@code env -i}) is not found: this is tracking, not containment. Where there is no {@code /proc}
 * nothing is found.
 */
public final class JobMarkers {

  public static final String VARIABLE = "GANTRY_JOB";
  private static final Path PROC = Path.of("/proc");
  private static final int ROUNDS = 5;

  /** This process as markers name it: {@code PID.START} (its start time in epoch milliseconds). */
  private static final String SELF = identity(ProcessHandle.current());

  /** The data directories' hashes, computed once each. */
  private static final java.util.Map<Path, String> OWNERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private JobMarkers() {}

  /** The marker of one job of one run of the data directory, run by this process. */
  static String marker(Path dataDir, long runId, String jobKey) {
    return owner(dataDir) + ":" + SELF + ":" + runId + ":" + jobKey;
  }

  /**
   * This Gantry process, as the markers of its jobs name it ({@code PID.START}); for a record of
   * which process runs what that outlives it (see {@link #isAlive}).
   */
  public static String self() {
    return SELF;
  }

  /**
   * Whether the process that {@link #self} named is still running: a process with that PID exists
   * and started at that time (within a second, the resolution /proc gives), so a PID used again by
   * another process does not count. A name that is not of that form is not alive. Where start times
   * cannot be read, a live PID counts as alive.
   */
  public static boolean isAlive(String process) {
    int dot = process.indexOf('.');
    if (dot <= 0 || !process.matches("[0-9]{1,18}\\.[0-9]{1,18}")) {
      return false;
    }
    long pid = Long.parseLong(process.substring(0, dot));
    long started = Long.parseLong(process.substring(dot + 1));
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    Optional<java.time.Instant> start = handle.get().info().startInstant();
    return start.isEmpty() || Math.abs(start.get().toEpochMilli() - started) < 1000;
  }

  private static String identity(ProcessHandle process) {
    return process.pid()
        + "."
        + process.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
  }

  /** Kills the processes a job left; returns how many were killed. */
  static int killJob(String marker) {
    return kill(marker::equals);
  }

  /**
   * Kills every process left by the runs of the data directory whose Gantry process is gone (a
   * server or {@code gantry run} killed with {@code kill -9}, a crash): for a server or {@code
   * gantry run} starting up. The jobs of another Gantry process that still runs on the same data
   * directory are left alone, and so are this process's own. Returns how many were killed.
   */
  public static int killOrphans(Path dataDir) {
    String prefix = owner(dataDir) + ":";
    Map<String, Boolean> alive = new HashMap<>();
    return kill(
        value -> {
          if (!value.startsWith(prefix)) {
            return false;
          }
          String rest = value.substring(prefix.length());
          int colon = rest.indexOf(':');
          String process = colon < 0 ? rest : rest.substring(0, colon);
          if (process.equals(SELF)) {
            return false;
          }
          // A marker of an earlier version (OWNER:RUN:JOB) names no process: an orphan.
          return !alive.computeIfAbsent(process, JobMarkers::isAlive);
        });
  }

  private static String owner(Path dataDir) {
    return OWNERS.computeIfAbsent(dataDir.toAbsolutePath().normalize(), JobMarkers::hash);
  }

  private static String hash(Path dataDir) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(dataDir.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /** Rounds of scan and kill, as a dying daemon's children may appear while the scan runs. */
  private static int kill(Predicate<String> matches) {
    int killed = 0;
    for (int round = 0; round < ROUNDS; round++) {
      List<ProcessHandle> found = find(matches);
      if (found.isEmpty()) {
        break;
      }
      for (ProcessHandle process : found) {
        if (process.destroyForcibly()) {
          killed++;
        }
      }
      for (ProcessHandle process : found) {
        try {
          process.onExit().get(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return killed;
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          // Still there (a zombie, say): the next round sees it again, or not.
        }
      }
    }
    return killed;
  }

  private static List<ProcessHandle> find(Predicate<String> matches) {
    List<ProcessHandle> found = new ArrayList<>();
    if (!Files.isDirectory(PROC)) {
      return found;
    }
    long self = ProcessHandle.current().pid();
    byte[] name = (VARIABLE + "=").getBytes(StandardCharsets.UTF_8);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        String pid = entry.getFileName().toString();
        if (pid.isEmpty() || !Character.isDigit(pid.charAt(0)) || Long.parseLong(pid) == self) {
          continue;
        }
        byte[] environ;
        try {
          environ = Files.readAllBytes(entry.resolve("environ"));
        } catch (IOException | SecurityException e) {
          continue; // gone, or another user's
        }
        String value = value(environ, name);
        if (value != null && matches.test(value)) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(found::add);
        }
      }
    } catch (IOException e) {
      return found;
    }
    return found;
  }

  /** The value of the variable in a NUL-separated environment block, or null. */
  private static String value(byte[] environ, byte[] name) {
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        if (i - start > name.length && startsWith(environ, start, name)) {
          return new String(
              environ, start + name.length, i - start - name.length, StandardCharsets.UTF_8);
        }
        start = i + 1;
      }
    }
    return null;
  }

  private static boolean startsWith(byte[] bytes, int from, byte[] prefix) {
    for (int j = 0; j < prefix.length; j++) {
      if (bytes[from + j] != prefix[j]) {
        return false;
      }
    }
    return true;
  }
}
