package io.gantry.runner.store;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A commit status's state, forge-neutral; each forge adapter maps it to its own words. */
public enum CommitState {
  PENDING,
  SUCCESS,
  FAILURE,
  ERROR;

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
   * The state named {@code value} (lower case, as stored).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static CommitState parse(String value) {
    return StoredWords.parse(values(), CommitState::label, "state", value);
  }
}
