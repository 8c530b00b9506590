package io.gantry.runner.execution;

import io.gantry.runner.workflow.Step;
import java.util.List;

/**
 * The {@code pre} of the job's actions, run at the job's set-up as GitHub runs its {@code Pre}
 * steps: before the first step, for the {@code uses:} steps in their order, each when its action's
 * {@code pre-if} holds (default {@code always()}; the step's own {@code if:} is not asked, as on
 * GitHub, where no step has run yet). Their lines go to the set-up's log. A failing {@code pre}
 * fails the job: the steps after it run only with {@code if: always()} or {@code failure()}.
 */
final class PreSteps {

  private PreSteps() {}

  /**
   * Runs every {@code pre}; returns the failure of the first that failed, or null.
   *
   * @param loop builds each step's call as the step itself will get it
   */
  static String runAll(
      JobScope scope, StepLoop loop, List<StepRunner> runners, StepOutput setup, long deadline) {
    String failure = null;
    List<Step> steps = scope.job.steps();
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      if (step.uses() == null || scope.cancelled()) {
        continue;
      }
      JobStepCall call = loop.preCall(i + 1, step, setup, deadline);
      if (call == null) {
        continue; // its fields need what later steps give: its pre runs with the step
      }
      StepEnding ending;
      try {
        StepRunner runner = StepRunners.select(runners, call);
        ending = runner == null ? null : runner.pre(call);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ending = StepEnding.cancelled("the pre step was interrupted");
      } catch (Exception e) {
        ending = StepEnding.failed("Pre " + step.uses() + " failed: " + StepLoop.cause(e));
      }
      String why = why(ending);
      if (why != null) {
        setup.error(why);
        scope.failed = true;
        if (failure == null) {
          failure = call.name() + " failed: " + why;
        }
      }
    }
    setup.flush();
    return failure;
  }

  private static String why(StepEnding ending) {
    if (ending instanceof StepEnding.Failed failed) {
      return failed.reason();
    }
    if (ending instanceof StepEnding.TimedOut) {
      return "the pre step exceeded the job's timeout";
    }
    if (ending instanceof StepEnding.Cancelled cancelled) {
      return cancelled.reason();
    }
    return null;
  }
}
