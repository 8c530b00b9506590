package io.gantry.runner.container;

/** A job's containers could not be started or used; the message is one line for the job's log. */
public final class ContainerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ContainerException(String message) {
    super(message);
  }
}
