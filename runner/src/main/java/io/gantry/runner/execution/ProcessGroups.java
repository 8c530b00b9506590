package io.gantry.runner.execution;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Starts step processes each as the leader of a process group of its own, so that a timeout or
 * cancel can signal every process the step started (background jobs and pipelines included), not
 * only the shell.
 *
 * <p>{@code setsid} makes the shell a session and group leader with its own pid as group id; a
 * signal to {@code -pid} then reaches the whole tree. Where {@code setsid} is missing the processes
 * are found through {@link ProcessHandle#descendants()} instead, which misses processes that were
 * re-parented.
 */
final class ProcessGroups {

  // Declared first: the constants below use it while the class initializes.
  private static final java.util.Map<String, String> FOUND =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final String SETSID = findOnPath("setsid", System.getenv("PATH"));
  private static final String KILL = findOnPath("kill", System.getenv("PATH"));

  private ProcessGroups() {}

  /** The command prefixed so that it starts a new process group. */
  static List<String> inNewGroup(List<String> command) {
    if (SETSID == null) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(command.size() + 1);
    wrapped.add(SETSID);
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Sends a signal ({@code TERM} or {@code KILL}) to every process group of {@code leaders} and, as
   * a fallback, to their live descendants.
   */
  static void signal(Collection<ProcessHandle> leaders, String signal) {
    if (leaders.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>();
    command.add(KILL != null ? KILL : "kill");
    command.add("-" + signal);
    command.add("--");
    for (ProcessHandle leader : leaders) {
      if (SETSID != null) {
        command.add("-" + leader.pid());
      }
      leader.descendants().forEach(d -> command.add(Long.toString(d.pid())));
      if (leader.isAlive()) {
        command.add(Long.toString(leader.pid()));
      }
    }
    if (command.size() == 3) {
      return;
    }
    try {
      // A group that is already gone makes kill complain; that is expected and harmless.
      new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (IOException e) {
      for (ProcessHandle leader : leaders) {
        leader.descendants().forEach(ProcessHandle::destroyForcibly);
        leader.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The program's path when it is found on {@code path}, else null. A program once found is
   * remembered for that PATH: every step of a job asks again for the same shell.
   */
  static String findOnPath(String program, String path) {
    String key = program + '\0' + path;
    String found = FOUND.get(key);
    if (found != null && Files.isExecutable(Path.of(found))) {
      return found;
    }
    found = search(program, path);
    if (found != null) {
      FOUND.put(key, found);
    }
    return found;
  }

  private static String search(String program, String path) {
    if (program.contains(File.separator)) {
      return Files.isExecutable(Path.of(program)) ? program : null;
    }
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
