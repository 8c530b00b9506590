package io.gantry.runner.execution;

import java.time.Instant;

/**
 * One line of a run's log, already masked.
 *
 * @param job the job instance's display name
 * @param step the step's display name, or null for lines of the job itself
 */
public record LogLine(Instant time, String job, String step, Kind kind, String text) {

  /** What kind of line it is; consoles and UIs may style them differently. */
  public enum Kind {
    /** Output of the step's process. */
    OUTPUT,
    /** A message of the runner itself (step headers, skips, timeouts). */
    SYSTEM,
    ERROR,
    WARNING,
    NOTICE,
    DEBUG,
    GROUP,
    ENDGROUP
  }

  /** The stored form: {@code <time> [job / step] text}, with a prefix for annotations. */
  public String format() {
    String prefix =
        switch (kind) {
          case ERROR -> "Error: ";
          case WARNING -> "Warning: ";
          case NOTICE -> "Notice: ";
          case DEBUG -> "Debug: ";
          case GROUP -> "▸ ";
          default -> "";
        };
    String where = step == null ? job : job + " / " + step;
    return time + " [" + where + "] " + prefix + text;
  }
}
