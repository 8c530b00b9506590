package io.gantry.runner.action.remote;

/**
 * An action that could not be fetched or read: the message is one line naming the action, the ref,
 * every source tried and why each failed (or the {@code action.yml}'s own file:line:column).
 */
public final class ActionFetchException extends Exception {
  private static final long serialVersionUID = 1L;

  public ActionFetchException(String message) {
    super(message);
  }

  public ActionFetchException(String message, Throwable cause) {
    super(message, cause);
  }
}
