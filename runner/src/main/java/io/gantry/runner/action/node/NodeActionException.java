package io.gantry.runner.action.node;

/** A JavaScript action that cannot run at all (no Node.js, an input that cannot be evaluated). */
public final class NodeActionException extends Exception {
  private static final long serialVersionUID = 1L;

  public NodeActionException(String message) {
    super(message);
  }

  public NodeActionException(String message, Throwable cause) {
    super(message, cause);
  }
}
