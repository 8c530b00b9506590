package io.gantry.runner.workflow;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small stand-in for the action registry: {@code actions/checkout@v1..v4} and, to exercise
 * required inputs, {@code gantry/health-check@v1} (requires {@code url}).
 */
final class TestCatalog implements ActionCatalog {

  private static final Pattern USES = Pattern.compile("([^@]+)@v(\\d+)");
  private static final Map<String, Set<String>> INPUTS =
      Map.of(
          "actions/checkout",
          Set.of("path", "ref", "repository", "fetch-depth", "clean", "token"),
          "gantry/health-check",
          Set.of("url", "expect-status", "timeout"));
  private static final Map<String, Set<String>> REQUIRED =
      Map.of("actions/checkout", Set.of(), "gantry/health-check", Set.of("url"));

  @Override
  public String problemWith(String uses) {
    Matcher m = USES.matcher(uses);
    if (m.matches() && INPUTS.containsKey(m.group(1))) {
      int version = Integer.parseInt(m.group(2));
      boolean checkout = m.group(1).equals("actions/checkout");
      if (checkout ? version >= 1 && version <= 4 : version == 1) {
        return null;
      }
    }
    return "unknown action '"
        + uses
        + "'; supported: actions/checkout@v1..v4, gantry/health-check@v1";
  }

  @Override
  public Set<String> inputsOf(String uses) {
    return problemWith(uses) == null ? INPUTS.get(name(uses)) : null;
  }

  @Override
  public Set<String> requiredInputsOf(String uses) {
    return problemWith(uses) == null ? REQUIRED.get(name(uses)) : Set.of();
  }

  private static String name(String uses) {
    return uses.substring(0, uses.indexOf('@'));
  }
}
