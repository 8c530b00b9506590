package io.gantry.server.config;

/**
 * {@code server.retry-interrupted}: how many more times a job whose agent stopped answering is run
 * (GitLab's {@code retry: max} for a lost runner, Buildkite's automatic retry of a lost agent), 0
 * to {@link #MAX}; {@code false} is 0 and {@code true} is 1.
 */
final class RetryInterrupted {

  /** The most re-runs allowed: a job that kills its agent every time stops. */
  static final int MAX = 5;

  private RetryInterrupted() {}

  /** The value written in {@code file} (null: unset, 0). */
  static int read(String file, String written) throws ConfigException {
    String text = written == null ? "0" : written.strip();
    if (text.equals("false")) {
      return 0;
    }
    if (text.equals("true")) {
      return 1;
    }
    try {
      int value = Integer.parseInt(text);
      if (value >= 0 && value <= MAX) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Said below.
    }
    throw new ConfigException(
        file
            + ": server.retry-interrupted must be how many more times a job whose agent stopped"
            + " answering is run, 0 (never, the default) to "
            + MAX
            + ", or true (once) / false; got '"
            + text
            + "'");
  }
}
