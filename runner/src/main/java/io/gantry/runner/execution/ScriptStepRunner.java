package io.gantry.runner.execution;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Runs a {@code run:} script on this machine: written to a file in the job's step folder, run by
 * its shell as a process group ({@link StepProcess}), its output tailed into the step's log.
 */
final class ScriptStepRunner implements StepRunner {

  @Override
  public boolean accepts(StepCall step) {
    return step.script() != null;
  }

  @Override
  public StepEnding run(StepCall step) throws InterruptedException {
    Shells.Command command;
    try {
      command =
          Shells.command(
              step.shell(),
              step.stepFiles(),
              step.number() + ".script",
              step.script(),
              step.env().get("PATH"));
    } catch (Shells.ShellException e) {
      return StepEnding.failed(step.step().location() + ": " + e.getMessage());
    } catch (IOException e) {
      return StepEnding.failed("cannot write the step's script: " + e.getMessage());
    }
    step.system("Run " + StepFields.firstLine(step.script()));
    if (!Files.isDirectory(step.workingDirectory())) {
      return StepEnding.failed(
          step.step().location()
              + ": working-directory '"
              + step.workspace().relativize(step.workingDirectory())
              + "' does not exist in the workspace; create it in an earlier step or fix the path");
    }
    try {
      StepProcess.Outcome outcome =
          StepProcess.run(
              command.argv(),
              step.workingDirectory(),
              step.env(),
              step.stepFiles().resolve(step.number() + ".stdout"),
              step.deadline(),
              step::stopRequested,
              step.killGracePeriod(),
              step::processStarted,
              step::log);
      return switch (outcome.ending()) {
        case EXITED ->
            outcome.exitCode() == 0
                ? StepEnding.succeeded()
                : StepEnding.failed("Process completed with exit code " + outcome.exitCode() + ".");
        case TIMED_OUT -> StepEnding.timedOut();
        case CANCELLED -> StepEnding.cancelled("the step was cancelled");
      };
    } catch (IOException e) {
      return StepEnding.failed(
          step.step().location()
              + ": cannot start shell '"
              + step.shell()
              + "': "
              + e.getMessage());
    }
  }
}
