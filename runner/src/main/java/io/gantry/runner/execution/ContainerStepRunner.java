package io.gantry.runner.execution;

import io.gantry.runner.container.JobContainer;
import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a {@code run:} script of a job that has a {@code container:}: the script is written to the
 * job's step folder (mounted in the container under {@code /__w/_temp}) and run by {@code podman
 * exec} in the job container ({@link ContainerExec}).
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
    try {
      StepProcess.Outcome outcome =
          ContainerExec.run(
              step,
              container,
              argv,
              step.env(),
              step.workingDirectory(),
              step.stepFiles().resolve(step.number() + ".stdout"));
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
        case TIMED_OUT -> StepEnding.timedOut();
        case CANCELLED -> StepEnding.cancelled("the step was cancelled");
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
