package io.gantry.runner.execution;

import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs one step's process to its end and feeds its output, line by line, to a consumer.
 *
 * <p>Output goes to a file that this class tails rather than to a pipe: a background process the
 * step leaves running (a server for the next step, say) keeps a pipe open forever, but not a file.
 * The process is the leader of a new process group; on timeout or cancel the group gets SIGTERM,
 * then SIGKILL after the grace period.
 */
final class StepProcess {

  /** How the process ended. */
  enum Ending {
    EXITED,
    TIMED_OUT,
    CANCELLED
  }

  record Outcome(Ending ending, int exitCode) {}

  private static final long POLL_MILLIS = 10;

  /**
   * The longest line kept whole: a longer one (a process printing without newlines) is cut into
   * pieces this long, so no line grows without bound in memory.
   */
  static final int MAX_LINE_BYTES = 1 << 20;

  private StepProcess() {}

  /**
   * Starts and waits for the command.
   *
   * @param started told of every started process, for the job's final clean-up
   * @param deadlineNanos {@link System#nanoTime()} at which the step times out
   * @param cancelled polled; when true the step is stopped
   */
  static Outcome run(
      List<String> command,
      Path workingDirectory,
      Map<String, String> environment,
      Path outputFile,
      long deadlineNanos,
      BooleanSupplier cancelled,
      Duration grace,
      Consumer<ProcessHandle> started,
      Consumer<String> lines)
      throws IOException, InterruptedException {
    return runWithoutGroup(
        ProcessGroups.inNewGroup(command),
        workingDirectory,
        environment,
        outputFile,
        deadlineNanos,
        cancelled,
        grace,
        started,
        lines);
  }

  /**
   * The same, for a command that needs no process group of its own (a {@code podman exec}: what the
   * step starts lives in the container, and stopping it is the container's clean-up), which saves
   * the {@code setsid} exec per step.
   */
  static Outcome runWithoutGroup(
      List<String> command,
      Path workingDirectory,
      Map<String, String> environment,
      Path outputFile,
      long deadlineNanos,
      BooleanSupplier cancelled,
      Duration grace,
      Consumer<ProcessHandle> started,
      Consumer<String> lines)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(outputFile.toFile());
    for (Map.Entry<String, String> variable : environment.entrySet()) {
      if (variable.getKey().indexOf('\0') >= 0 || variable.getValue().indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "the environment variable "
                + variable.getKey().replace('\0', '?')
                + " holds a NUL byte, which no process can be given; remove it from the value"
                + " (an input, an event field, $GITHUB_ENV)");
      }
    }
    builder.environment().clear();
    builder.environment().putAll(environment);
    // The raw output is not masked yet: only its owner may read it.
    PrivateFiles.createEmpty(outputFile);
    Process process = builder.start();
    ProcessHandle handle = process.toHandle();
    started.accept(handle);
    Ending ending = Ending.EXITED;
    long killAt = Long.MAX_VALUE;
    try (Tail tail = new Tail(outputFile, lines)) {
      while (!process.waitFor(POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        tail.drain(false);
        long now = System.nanoTime();
        if (ending == Ending.EXITED) {
          if (cancelled.getAsBoolean()) {
            ending = Ending.CANCELLED;
          } else if (now - deadlineNanos >= 0) {
            ending = Ending.TIMED_OUT;
          }
          if (ending != Ending.EXITED) {
            ProcessGroups.signal(List.of(handle), "TERM");
            killAt = now + grace.toNanos();
          }
        } else if (now - killAt >= 0) {
          ProcessGroups.signal(List.of(handle), "KILL");
          killAt = Long.MAX_VALUE;
        }
      }
      if (ending != Ending.EXITED) {
        // The shell is gone; what it started may not be.
        ProcessGroups.signal(List.of(handle), "KILL");
      }
      tail.drain(true);
    }
    return new Outcome(ending, process.exitValue());
  }

  /** Reads what was appended to a file since the last read and splits it into lines. */
  private static final class Tail implements AutoCloseable {
    private final RandomAccessFile file;
    private final Consumer<String> lines;
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
    private final byte[] buffer = new byte[8192];

    /** The file exists: starting the process opened it for the output redirect. */
    Tail(Path path, Consumer<String> lines) throws IOException {
      this.file = new RandomAccessFile(path.toFile(), "r");
      this.lines = lines;
    }

    void drain(boolean atEnd) throws IOException {
      int n;
      while ((n = file.read(buffer)) > 0) {
        for (int i = 0; i < n; i++) {
          byte b = buffer[i];
          if (b == '\n') {
            emit();
          } else {
            partial.write(b);
            if (partial.size() >= MAX_LINE_BYTES) {
              emit();
            }
          }
        }
      }
      if (atEnd && partial.size() > 0) {
        emit();
      }
    }

    private void emit() {
      String line = partial.toString(StandardCharsets.UTF_8);
      partial.reset();
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      lines.accept(line);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}
