package io.gantry.runner.action;

import io.gantry.runner.workflow.ActionCatalog;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Actions by the name {@code uses:} gives them. The ones that ship with Gantry are registered by
 * {@code action.builtin.BuiltInActions.registry}; this package only knows the {@link Action}
 * contract, so that the built-in actions (which depend on it) form no cycle with it.
 */
public final class ActionRegistry implements ActionCatalog {

  private final Map<String, Action> actions = new TreeMap<>();

  public ActionRegistry(List<Action> actions) {
    for (Action action : actions) {
      this.actions.put(action.name().toLowerCase(Locale.ROOT), action);
    }
  }

  /** The action a {@code uses:} value names, when it is supported at that version. */
  public Optional<Action> resolve(String uses) {
    if (problemWith(uses) != null) {
      return Optional.empty();
    }
    return Optional.of(actions.get(name(uses)));
  }

  @Override
  public String problemWith(String uses) {
    if (uses == null || uses.isBlank()) {
      return "'uses' is empty; supported: " + supported();
    }
    int at = uses.indexOf('@');
    if (at < 0) {
      return "'" + uses + "' has no version; write it as NAME@VERSION, e.g. actions/checkout@v4";
    }
    Action action = actions.get(name(uses));
    if (action == null) {
      return "unknown action '" + uses + "'; supported: " + supported();
    }
    String version = uses.substring(at + 1);
    if (!action.versions().contains(version)) {
      return "'"
          + action.name()
          + "' does not support version '"
          + version
          + "'; use one of "
          + String.join(", ", new java.util.TreeSet<>(action.versions()));
    }
    return null;
  }

  @Override
  public Set<String> inputsOf(String uses) {
    return problemWith(uses) == null ? actions.get(name(uses)).inputs().keySet() : null;
  }

  @Override
  public Set<String> requiredInputsOf(String uses) {
    return problemWith(uses) == null ? actions.get(name(uses)).requiredInputs() : Set.of();
  }

  /** Every supported action with its versions, as listed in error messages. */
  public String supported() {
    return actions.values().stream()
        .map(a -> a.name() + "@" + String.join("|", new java.util.TreeSet<>(a.versions())))
        .collect(Collectors.joining(", "));
  }

  private static String name(String uses) {
    int at = uses.indexOf('@');
    return (at < 0 ? uses : uses.substring(0, at)).toLowerCase(Locale.ROOT);
  }
}
