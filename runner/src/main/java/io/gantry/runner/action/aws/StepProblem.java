package io.gantry.runner.action.aws;

/**
 * A one-line reason why an AWS action cannot go on: bad input, a missing variable, or an AWS call
 * that failed. The action returns it as a failed {@link io.gantry.runner.action.ActionResult}; it
 * never escapes the action. The message must never contain a secret.
 */
final class StepProblem extends Exception {

  private static final long serialVersionUID = 1L;

  StepProblem(String message) {
    super(message, null, false, false);
  }
}
