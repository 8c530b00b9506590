package io.gantry.runner.execution;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.action.ActionResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a built-in action ({@code uses:} resolved by the {@link ActionRegistry}) in this process:
 * its inputs are its defaults overlaid with the step's {@code with:}, checked for the required
 * ones, and the action gets an {@link io.gantry.runner.action.ActionContext} backed by the step
 * ({@link StepActionContext}).
 */
final class ActionStepRunner implements StepRunner {

  private final ActionRegistry actions;

  ActionStepRunner(ActionRegistry actions) {
    this.actions = actions;
  }

  @Override
  public boolean accepts(StepCall step) {
    return step.step().uses() != null && actions.resolve(step.step().uses()).isPresent();
  }

  @Override
  public StepEnding run(StepCall step) throws Exception {
    String uses = step.step().uses();
    Action action = actions.resolve(uses).orElseThrow();
    Map<String, String> inputs = new LinkedHashMap<>();
    action
        .inputs()
        .forEach(
            (k, v) -> {
              if (v != null) {
                inputs.put(k, v);
              }
            });
    inputs.putAll(step.with());
    for (String required : action.requiredInputs()) {
      if (inputs.getOrDefault(required, "").isEmpty()) {
        return StepEnding.failed(
            step.step().location() + ": " + uses + " needs the input '" + required + "'");
      }
    }
    step.system("Run " + uses);
    String pinNote = ActionRegistry.pinNote(uses);
    if (pinNote != null) {
      step.system(pinNote);
    }
    ActionResult result;
    try {
      result = action.run(new StepActionContext(step, inputs));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepEnding.cancelled("the step was interrupted");
    } catch (Exception e) {
      return StepEnding.failed(
          uses + " failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
    }
    if (System.nanoTime() - step.deadline() >= 0) {
      return StepEnding.timedOut();
    }
    if (step.stopRequested()) {
      return StepEnding.cancelled("the step was cancelled");
    }
    return result.succeeded() ? StepEnding.succeeded() : StepEnding.failed(result.message());
  }
}
