package io.gantry.runner.workflow;

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
}
