package io.gantry.runner.expression;

/**
 * An expression that cannot be parsed or evaluated.
 *
 * <p>{@link #offset()} is the 0-based character offset of the fault within the text that was given
 * to {@link Expressions} (the whole template, including any {@code ${{ }}}), so a caller that knows
 * where the text starts in a file can report the exact column.
 */
public final class ExpressionException extends Exception {

  private final int offset;

  public ExpressionException(String message, int offset) {
    super(message);
    this.offset = offset;
  }

  public int offset() {
    return offset;
  }
}
