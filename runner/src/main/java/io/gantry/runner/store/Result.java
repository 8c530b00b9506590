package io.gantry.runner.store;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a run, job or step ended, as stored: GitHub's conclusions (the executor's {@code Conclusion},
 * which this package cannot see, has the same names).
 */
public enum Result {
  SUCCESS,
  FAILURE,
  CANCELLED,
  SKIPPED;

  /** The stored, lower-case name, as the API shows it. */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The {@link #label()}, so that text built from a value reads as the API shows it. */
  @Override
  public String toString() {
    return label();
  }

  /**
   * The result named {@code value} (lower case, as stored and as the API shows it).
   *
   * @param what the field, for the message
   * @throws IllegalArgumentException naming the field and the allowed values
   */
  public static Result parse(String what, String value) {
    return StoredWords.parse(values(), Result::label, what, value);
  }
}
