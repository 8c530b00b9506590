package io.gantry.runner.deploy;

/**
 * Where a deploy operation reports and how it notices a cancel: a step's log and cancel flag for
 * the actions, the server's or the CLI's for a rollback asked for outside a workflow. Called on the
 * thread that runs the operation.
 */
public interface Progress {

  /** One line for the log; the caller masks secrets in it. */
  void log(String line);

  /** Whether to stop soon (the step was cancelled or timed out). */
  boolean cancelled();

  /** Masks a value (a credential) in every later line; nothing by default. */
  default void addMask(String value) {}
}
