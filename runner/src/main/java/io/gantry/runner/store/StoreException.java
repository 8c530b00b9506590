package io.gantry.runner.store;

/**
 * The run store could not be opened or could not do what it was asked. The message is one line, fit
 * to show a user as is; the cause is kept for debugging.
 */
public final class StoreException extends RuntimeException {

  public StoreException(String message, Throwable cause) {
    super(message, cause);
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
