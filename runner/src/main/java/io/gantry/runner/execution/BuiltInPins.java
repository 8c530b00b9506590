package io.gantry.runner.execution;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.action.remote.PinnedCommit;
import java.util.TreeSet;

/**
 * What runs for a built-in action pinned to a commit ({@code uses: actions/checkout@<40 hex>}): the
 * built-in when the sources say the commit is a release of a major it implements, or when no source
 * answered (nothing better can run); the real action from its source when the commit is a release
 * of another major or in no tagged release. Either way the step's log says which ran and why.
 */
final class BuiltInPins {

  /**
   * @param builtIn whether the built-in runs (else the action from its source)
   * @param note the line the step logs
   */
  record Choice(boolean builtIn, String note) {}

  private BuiltInPins() {}

  static Choice choose(ActionRegistry registry, Action action, PinnedCommit pin) {
    String name = action.name();
    String pinned = name + "@" + pin.shortCommit() + "…";
    if (!pin.resolved()) {
      return new Choice(
          true,
          name
              + " is pinned to commit "
              + pin.shortCommit()
              + "…, which no action source could look up ("
              + pin.problem()
              + "); Gantry's built-in "
              + name
              + " ran in its place (turn it off with actions.builtin in gantry.yml to run that"
              + " commit from the action sources)");
    }
    boolean supported =
        pin.tags().stream().anyMatch(tag -> registry.problemWith(name + "@" + tag) == null);
    if (supported) {
      return new Choice(
          true,
          pinned
              + " is "
              + pin.describe()
              + " at "
              + pin.source()
              + "; Gantry's built-in "
              + name
              + " ran in its place (turn it off with actions.builtin in gantry.yml to run that"
              + " commit from its source)");
    }
    return new Choice(
        false,
        pinned
            + " is "
            + pin.describe()
            + " at "
            + pin.source()
            + ", not a release Gantry's built-in "
            + name
            + " implements ("
            + String.join(", ", new TreeSet<>(action.versions()))
            + "): running that commit from its source");
  }
}
