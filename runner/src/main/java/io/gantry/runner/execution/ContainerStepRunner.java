package io.gantry.runner.execution;

import io.gantry.runner.container.JobContainer;
import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@code run:} script of a job that has a {@code container:}: the script is written to the
 * job's step folder (mounted in the container under {@code /__w/_temp}) and run by {@code podman
 * exec} in the job container, with the step's environment as the container sees it ({@link
 * JobContainer#environment}). The values reach Podman through its own environment ({@code --env
 * NAME}), never its command line. Timeouts and cancel stop the exec and what it left running in the
 * container.
 */
final class ContainerStepRunner implements StepRunner {

  @Override
  public boolean accepts(StepCall step) {
    return step.jobContainer() != null && step.script() != null;
  }

  @Override
  public StepEnding run(StepCall step) throws InterruptedException {
    JobContainer container = step.jobContainer();
    List<String> argv;
    try {
      argv = command(step, container);
    } catch (IOException e) {
      return StepEnding.failed("cannot write the step's script: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return StepEnding.failed(step.step().location() + ": " + e.getMessage());
    }
    step.system("Run " + StepFields.firstLine(step.script()));
    Map<String, String> inside = container.environment(step.env());
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
    String workdir = container.paths().toContainer(step.workingDirectory().toString());
    List<String> command = container.execCommand(workdir, names, argv);
    try {
      StepProcess.Outcome outcome =
          StepProcess.runWithoutGroup(
              command,
              step.stepFiles(),
              processEnv,
              step.stepFiles().resolve(step.number() + ".stdout"),
              step.deadline(),
              step::stopRequested,
              step.killGracePeriod(),
              step::processStarted,
              step::log);
      return switch (outcome.ending()) {
        case EXITED -> {
          if (outcome.exitCode() == 0) {
            yield StepEnding.succeeded();
          }
          String exited = container.exitedMessage();
          yield StepEnding.failed(
              exited != null
                  ? exited
                  : "Process completed with exit code " + outcome.exitCode() + ".");
        }
        case TIMED_OUT -> {
          container.killProcesses();
          yield StepEnding.timedOut();
        }
        case CANCELLED -> {
          container.killProcesses();
          yield StepEnding.cancelled("the step was cancelled");
        }
      };
    } catch (IOException e) {
      return StepEnding.failed("cannot start podman exec: " + e.getMessage());
    }
  }

  /** The shell's command line in the container, the script written where the container sees it. */
  private static List<String> command(StepCall step, JobContainer container) throws IOException {
    String shell = step.shell();
    if (shell.equals("bash") && !container.hasBash() && step.step().shell() == null) {
      // GitHub's runner does the same when the image has no bash and no shell was asked for
      shell = "sh";
    }
    List<String> template;
    String extension;
    switch (shell) {
      case "bash" -> {
        template = List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}");
        extension = ".sh";
      }
      case "sh" -> {
        template = List.of("sh", "-e", "{0}");
        extension = ".sh";
      }
      case "python" -> {
        template = List.of("python3", "{0}");
        extension = ".py";
      }
      default -> {
        if (!shell.contains("{0}")) {
          throw new IllegalArgumentException(
              "shell '"
                  + shell
                  + "' is not bash, sh or python and has no {0} for the script, e.g. 'perl {0}'");
        }
        template = List.of(shell.strip().split("\\s+"));
        extension = "";
      }
    }
    Path script = step.stepFiles().resolve(step.number() + extension);
    PrivateFiles.writeString(script, step.script());
    String inContainer = container.paths().toContainer(script.toString());
    return template.stream().map(p -> p.replace("{0}", inContainer)).toList();
  }
}
