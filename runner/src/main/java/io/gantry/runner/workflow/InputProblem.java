package io.gantry.runner.workflow;

/**
 * A problem with one input of a {@code uses:} step that validation can see before anything runs.
 *
 * @param input the input's name under {@code with:}
 * @param message one line saying what is wrong and how to fix it (without the step's name)
 * @param warning true when the step may still work (it depends on the host), so it does not block
 */
public record InputProblem(String input, String message, boolean warning) {

  public static InputProblem error(String input, String message) {
    return new InputProblem(input, message, false);
  }

  public static InputProblem warning(String input, String message) {
    return new InputProblem(input, message, true);
  }
}
