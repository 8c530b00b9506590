package io.gantry.runner.workflow;

import java.util.List;

/**
 * GitHub's filter patterns for {@code branches}, {@code tags} and {@code paths}: {@code *} matches
 * any run of characters but {@code /}, {@code **} any run including {@code /}, {@code ?} one
 * character (or none, as GitHub documents), {@code +} one or more of the preceding character,
 * {@code [...]} a class, and a leading {@code !} negates a pattern; later patterns override earlier
 * ones.
 */
public final class FilterPattern {

  private FilterPattern() {}

  /** Whether {@code value} is selected by the ordered pattern list (negations included). */
  public static boolean matchesAny(List<String> patterns, String value) {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
