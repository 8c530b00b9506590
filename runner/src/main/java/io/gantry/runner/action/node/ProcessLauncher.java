package io.gantry.runner.action.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs an action's process to its end: the seam between the actions runtime and the step loop. The
 * step loop's implementation runs it as it runs a {@code run:} script (its own process group,
 * timeout and cancel, every output line through the workflow-command handling and the masked step
 * log); {@link #direct} is a plain one for tools and tests.
 *
 * <p>Called on the job's thread; returns the exit code, or throws when the process could not be
 * started or was interrupted.
 */
@FunctionalInterface
public interface ProcessLauncher {

  int run(List<String> command, Path workingDirectory, Map<String, String> environment)
      throws IOException, InterruptedException;

  /** Starts the process with exactly {@code environment}; its output, line by line, to lines. */
  static ProcessLauncher direct(Consumer<String> lines) {
    return (command, workingDirectory, environment) -> {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workingDirectory.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectErrorStream(true);
      builder.environment().clear();
      builder.environment().putAll(environment);
      Process process = builder.start();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          lines.accept(line);
        }
      } finally {
        if (process.isAlive() && Thread.currentThread().isInterrupted()) {
          process.destroyForcibly();
        }
      }
      return process.waitFor();
    };
  }
}
