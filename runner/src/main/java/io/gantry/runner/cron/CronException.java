package io.gantry.runner.cron;

/**
 * A cron line that is not GitHub's five-field syntax. The message names the field that is wrong and
 * how to write it; {@link #offset} is where that field starts in the line, so a workflow validator
 * can point at its column.
 */
public final class CronException extends Exception {

  private static final long serialVersionUID = 1L;

  private final int offset;

  CronException(String message, int offset) {
    super(message);
    this.offset = offset;
  }

  /** The 0-based position in the cron line of the field that is wrong (0 for the whole line). */
  public int offset() {
    return offset;
  }
}
