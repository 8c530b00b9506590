package io.gantry.runner.execution;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.remote.ActionReference;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a built-in action ({@code uses:} resolved by the {@link ActionRegistry}) in this process:
 * its inputs are its defaults overlaid with the step's {@code with:}, checked for the required
 * ones, and the action gets an {@link io.gantry.runner.action.ActionContext} backed by the step
 * ({@link StepActionContext}).
 *
 * <p>A built-in pinned to a commit is looked up in the action sources when there are any ({@link
 * BuiltInPins}): a release of a major the built-in does not implement runs from its source instead,
 * through the runners for actions from git.
 */
final class ActionStepRunner implements StepRunner {

  private final ActionRegistry actions;

  /** Looks commit pins up in the action sources; null when there are none (built-ins only). */
  private final GitActionStepRunner pins;

  /** Who runs a pinned built-in's commit from its source (composite, docker, JavaScript). */
  private final List<StepRunner> fromSource;

  ActionStepRunner(ActionRegistry actions) {
    this(actions, null, List.of());
  }

  /**
   * @param pins looks commit pins up ({@link BuiltInPins})
   * @param fromSource the runners asked when a pin is to run from its source
   */
  ActionStepRunner(ActionRegistry actions, GitActionStepRunner pins, List<StepRunner> fromSource) {
    this.actions = actions;
    this.pins = pins;
    this.fromSource = List.copyOf(fromSource);
  }

  @Override
  public boolean accepts(StepCall step) {
    return step.step().uses() != null && actions.resolve(step.step().uses()).isPresent();
  }

  /** A pinned built-in whose commit runs from its source has that action's {@code pre}. */
  @Override
  public StepEnding pre(StepCall step) throws Exception {
    String uses = step.step().uses();
    if (pins == null || ActionRegistry.pinNote(uses) == null) {
      return null;
    }
    Action action = actions.resolve(uses).orElseThrow();
    BuiltInPins.Choice choice =
        BuiltInPins.choose(actions, action, pins.pin(step, ActionReference.parse(uses.strip())));
    StepRunner runner = choice.builtIn() ? null : StepRunners.select(fromSource, step);
    return runner == null ? null : runner.pre(step);
  }

  @Override
  public StepEnding run(StepCall step) throws Exception {
    String uses = step.step().uses();
    Action action = actions.resolve(uses).orElseThrow();
    String pinNote = ActionRegistry.pinNote(uses);
    if (pinNote != null && pins != null) {
      BuiltInPins.Choice choice =
          BuiltInPins.choose(actions, action, pins.pin(step, ActionReference.parse(uses.strip())));
      pinNote = choice.note();
      if (!choice.builtIn()) {
        step.system(pinNote);
        StepRunner runner = StepRunners.select(fromSource, step);
        if (runner == null) {
          return StepEnding.failed(step.step().location() + ": no runner runs " + uses);
        }
        return runner.run(step);
      }
    }
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
