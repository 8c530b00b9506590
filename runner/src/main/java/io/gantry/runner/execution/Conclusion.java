package io.gantry.runner.execution;

import java.util.Locale;

/** How a step, job or run ended, with GitHub's names. */
public enum Conclusion {
  SUCCESS,
  FAILURE,
  CANCELLED,
  SKIPPED;

  /** GitHub's lower-case name, as expressions and the API see it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
