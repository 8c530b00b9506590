package io.gantry.runner.execution;

import io.gantry.runner.action.node.ProcessLauncher;
import io.gantry.runner.container.JobContainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A process of a step run inside the job container by {@code podman exec}: the step's environment
 * as the container sees it ({@link JobContainer#environment}), its values through Podman's own
 * environment ({@code --env NAME}), never its command line; host paths in the command and working
 * directory turned into the container's. A timeout or cancel also stops what the process left
 * running in the container.
 */
final class ContainerExec {

  private ContainerExec() {}

  static StepProcess.Outcome run(
      StepCall step,
      JobContainer container,
      List<String> argv,
      Map<String, String> stepEnv,
      Path workingDirectory,
      Path stdout)
      throws IOException, InterruptedException {
    Map<String, String> inside = container.environment(stepEnv);
    Map<String, String> processEnv = new LinkedHashMap<>(System.getenv());
    processEnv.putAll(inside);
    // Podman itself needs the host's PATH and HOME; the container's go as values of their own.
    processEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    processEnv.put("HOME", System.getenv().getOrDefault("HOME", "/root"));
    processEnv.putAll(container.podmanEnvironment());
    List<String> names =
        inside.keySet().stream()
            .map(n -> n.equals("PATH") || n.equals("HOME") ? n + "=" + inside.get(n) : n)
            .toList();
    String workdir = container.paths().toContainer(workingDirectory.toString());
    List<String> command = container.execCommand(workdir, names, argv);
    StepProcess.Outcome outcome =
        StepProcess.runWithoutGroup(
            command,
            step.stepFiles(),
            processEnv,
            stdout,
            step.deadline(),
            step::stopRequested,
            step.killGracePeriod(),
            step::processStarted,
            step::log);
    if (outcome.ending() != StepProcess.Ending.EXITED) {
      container.killProcesses();
    }
    return outcome;
  }

  /**
   * Runs a JavaScript action's {@code node SCRIPT} in the job container with the container's
   * Node.js ({@link JobContainer#node}), the script and the file-command files at their paths in
   * the container; {@code outcome[0]} gets the process's outcome.
   */
  static ProcessLauncher nodeLauncher(
      StepCall step, JobContainer container, Path stdout, StepProcess.Outcome[] outcome) {
    return (command, cwd, environment) -> {
      List<String> argv = new ArrayList<>(container.node());
      for (String arg : command.subList(1, command.size())) {
        argv.add(container.paths().toContainer(arg));
      }
      outcome[0] = run(step, container, argv, environment, cwd, stdout);
      return outcome[0].exitCode();
    };
  }
}
