package io.gantry.runner.action;

/** The outcome of an action: success, or failure with a one-line reason for the step log. */
public record ActionResult(boolean succeeded, String message) {

  private static final ActionResult SUCCESS = new ActionResult(true, null);

  public static ActionResult ok() {
    return SUCCESS;
  }

  public static ActionResult failure(String message) {
    return new ActionResult(false, message);
  }
}
