package io.gantry.localecs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A helper process local-ecs owns (the engine service, the registry): output to a log file in the
 * data directory, stopped with SIGTERM (SIGKILL after 10 s) when closed.
 */
final class ChildProcess implements AutoCloseable {

  private final String what;
  private final Process process;
  private final Path log;

  private ChildProcess(String what, Process process, Path log) {
    this.what = what;
    this.process = process;
    this.log = log;
  }

  static ChildProcess start(String what, List<String> command, Map<String, String> env, Path log) {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(env);
      return new ChildProcess(what, builder.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start " + what + " (" + command.get(0) + "): " + e.getMessage(), e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** The failure to report when the process died before it was ready. */
  IllegalStateException died() {
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

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
