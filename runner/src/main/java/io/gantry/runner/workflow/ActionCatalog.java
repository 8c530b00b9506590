package io.gantry.runner.workflow;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the validator needs to know about {@code uses:} targets, without depending on the action
 * implementations. Implemented by the action registry.
 */
public interface ActionCatalog {

  /**
   * Checks a {@code uses:} value.
   *
   * @return null when it names a supported action at a supported version; otherwise a one-line
   *     message that lists what is supported, e.g. {@code unknown action 'foo/bar@v1'; supported:
   *     actions/checkout@v1..v4, ...}
   */
  String problemWith(String uses);

  /** The input names the action takes, or null when {@link #problemWith} reports a problem. */
  Set<String> inputsOf(String uses);

  /** The inputs the action requires (a subset of {@link #inputsOf}). */
  Set<String> requiredInputsOf(String uses);

  /**
   * What the step's inputs ask for that would otherwise fail only when it runs: a value out of
   * range, an input Gantry's implementation does not support, a combination needing what Gantry
   * lacks. Only literal values are judged ({@code ${{ }}} is known at run time). Empty by default.
   *
   * @param with the step's inputs as written
   * @param env the names of the variables the step sees from the workflow, its job, itself and the
   *     {@link #exportsOf exports} of the job's earlier steps
   */
  default List<InputProblem> inputProblems(String uses, Map<String, String> with, Set<String> env) {
    return List.of();
  }

  /** The variables the action sets for the job's later steps (credentials, say). */
  default Set<String> exportsOf(String uses) {
    return Set.of();
  }
}
