package io.gantry.runner.execution;

import java.util.List;

/**
 * What a {@link StepCall} of the executor's own carries besides the public contract, for the
 * runners that run steps of their own inside a step (composite actions, {@link
 * CompositeStepRunner}): the job's state, the runners to pick from, and the composite actions the
 * step is nested in.
 */
interface NestedStepCall extends StepCall {

  JobScope scope();

  /** The executor's runners, in order. */
  List<StepRunner> runners();

  /** The {@code env} context the step's fields were evaluated with (no process variables). */
  java.util.Map<String, String> envContext();

  /** The composite actions this step runs inside, outermost first ({@code uses:} as written). */
  List<String> actionChain();
}
