package io.gantry.runner.artifact;

/** Bad input or a failed upload or download, as one line that says how to fix it. */
public final class ArtifactException extends Exception {

  private static final long serialVersionUID = 1L;

  public ArtifactException(String message) {
    super(message);
  }

  public ArtifactException(String message, Throwable cause) {
    super(message, cause);
  }
}
