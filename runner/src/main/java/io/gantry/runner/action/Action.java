package io.gantry.runner.action;

import io.gantry.runner.workflow.InputProblem;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A built-in action: what a {@code uses:} step runs.
 *
 * <p>The executor calls {@link #run} on the job's thread, once per step, after evaluating the
 * step's {@code with:} inputs (defaults applied, required ones present). An action reports its
 * outcome as a value: a failure is an {@link ActionResult#failure}, not an exception. An exception
 * escaping {@code run} is treated as a failure of the step with the exception's message, so a bug
 * in one action never breaks the run. Actions must honour {@link ActionContext#cancelled()} in long
 * waits and release what they hold in a {@code finally}.
 */
public interface Action {

  /**
   * The name after which {@code uses:} resolves, without version, e.g. {@code actions/checkout}.
   */
  String name();

  /** The versions accepted after {@code @}, e.g. {@code v1..v4}. */
  Set<String> versions();

  /** Input names with their defaults (null when there is none). */
  Map<String, String> inputs();

  /** The inputs that must be given. */
  Set<String> requiredInputs();

  /**
   * Problems of the step's literal inputs found at validation time (see {@link
   * io.gantry.runner.workflow.ActionCatalog#inputProblems}); none by default.
   */
  default List<InputProblem> inputProblems(Map<String, String> with, Set<String> env) {
    return List.of();
  }

  /** The variables the action sets for the job's later steps; none by default. */
  default Set<String> exports() {
    return Set.of();
  }

  /** Runs the action. */
  ActionResult run(ActionContext context) throws Exception;
}
