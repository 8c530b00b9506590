package io.gantry.runner.store;

/**
 * The run store could not be opened or could not do what it was asked. The message is one line, fit
 * to show a user as is; the cause is kept for debugging.
 */
public final class StoreException extends RuntimeException {

  private final boolean unreachable;

  public StoreException(String message, Throwable cause) {
    this(message, cause, false);
  }

  StoreException(String message, Throwable cause, boolean unreachable) {
    super(message, cause);
    this.unreachable = unreachable;
  }

  /**
   * Whether the database could not be reached at all (refused, timed out, starting up or shutting
   * down): trying again later may succeed, unlike a wrong password or a missing database.
   */
  public boolean unreachable() {
    return unreachable;
  }

  /** The first line of a cause's message: H2 and Flyway messages run over several lines. */
  static String describe(Throwable cause) {
    String message = cause.getMessage();
    if (message == null || message.isBlank()) {
      return cause.getClass().getSimpleName();
    }
    String firstLine = message.strip().lines().findFirst().orElse("").strip();
    // I/O exceptions often say no more than the path, so their type is the useful part.
    return cause instanceof java.io.IOException
        ? cause.getClass().getSimpleName() + ": " + firstLine
        : firstLine;
  }
}
