package io.gantry.runner.action.image;

/**
 * A build that cannot go on: bad input, a registry that refused, a base image that is not there.
 * The message is one line that names the input or registry and, where there is one, the fix.
 */
public final class ImageException extends Exception {

  private static final long serialVersionUID = 1L;

  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
