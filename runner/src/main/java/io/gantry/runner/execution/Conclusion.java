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

  /** How a job that ended so is described in a skip reason ("failed", "was cancelled"). */
  String describe() {
    return switch (this) {
      case FAILURE -> "failed";
      case CANCELLED -> "was cancelled";
      case SKIPPED -> "was skipped";
      case SUCCESS -> "succeeded";
    };
  }
}
