package io.gantry.runner.git;

/** A git operation that failed: a one-line message naming the repository, never a credential. */
public final class GitException extends Exception {
  public GitException(String message, Throwable cause) {
    super(message, cause);
  }

  public GitException(String message) {
    super(message);
  }
}
