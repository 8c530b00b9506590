package io.gantry.runner.action;

import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.InputProblem;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Actions by the name {@code uses:} gives them. The ones that ship with Gantry are registered by
 * {@code action.builtin.BuiltInActions.registry}; this package only knows the {@link Action}
 * contract, so that the built-in actions (which depend on it) form no cycle with it.
 */
public final class ActionRegistry implements ActionCatalog {

  /** {@code v4}, {@code v4.2}, {@code v4.2.2}, {@code v1-node16}: the major is the first number. */
  private static final Pattern VERSION = Pattern.compile("v(\\d+)(\\.\\d+){0,2}(-[A-Za-z0-9.]+)?");

  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  private final Map<String, Action> actions = new TreeMap<>();

  public ActionRegistry(List<Action> actions) {
    for (Action action : actions) {
      this.actions.put(action.name().toLowerCase(Locale.ROOT), action);
    }
  }

  /**
   * This registry without the named built-ins ({@code gantry.yml}'s {@code actions.builtin: {NAME:
   * false}}), so that the real action of that name runs from its source instead.
   *
   * @throws IllegalArgumentException naming a name that is no built-in action
   */
  public ActionRegistry without(Set<String> names) {
    List<Action> kept = new java.util.ArrayList<>();
    Set<String> lower = new java.util.HashSet<>();
    for (String name : names) {
      String key = name.toLowerCase(Locale.ROOT);
      if (!actions.containsKey(key)) {
        throw new IllegalArgumentException(
            "'" + name + "' is no built-in action; built-in: " + String.join(", ", names()));
      }
      lower.add(key);
    }
    actions.forEach(
        (key, action) -> {
          if (!lower.contains(key)) {
            kept.add(action);
          }
        });
    return new ActionRegistry(kept);
  }

  /** The built-in actions' names. */
  public Set<String> names() {
    Set<String> names = new java.util.TreeSet<>();
    actions.values().forEach(a -> names.add(a.name()));
    return names;
  }

  /**
   * Whether a ref is accepted for an action: any ref within a supported major ({@code v4}, {@code
   * v4.2.2}, {@code v4.2}, {@code v1-node16}) and any 40-hex commit (a SHA pin, run with the
   * built-in implementation; see {@link #pinNote}).
   */
  static boolean accepts(Set<String> versions, String ref) {
    if (versions.contains(ref) || COMMIT.matcher(ref).matches()) {
      return true;
    }
    Matcher m = VERSION.matcher(ref);
    return m.matches() && versions.contains("v" + Integer.parseInt(m.group(1)));
  }

  /**
   * The note a step pinned to a commit logs: which implementation runs, since the commit's tag is
   * not looked up. Null when {@code uses} is not pinned to a commit.
   */
  public static String pinNote(String uses) {
    int at = uses.indexOf('@');
    if (at < 0 || !COMMIT.matcher(uses.substring(at + 1)).matches()) {
      return null;
    }
    return uses.substring(0, at)
        + " is pinned to commit "
        + uses.substring(at + 1, at + 13)
        + "…; Gantry's built-in "
        + uses.substring(0, at)
        + " ran in its place (turn it off with actions.builtin in gantry.yml to run that commit"
        + " from the action sources)";
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
    if (!accepts(action.versions(), version)) {
      return "'"
          + action.name()
          + "' does not support version '"
          + version
          + "'; use a ref within one of the majors "
          + String.join(", ", new java.util.TreeSet<>(action.versions()))
          + " (e.g. @"
          + new java.util.TreeSet<>(action.versions()).last()
          + ") or a 40-hex commit";
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

  @Override
  public List<InputProblem> inputProblems(String uses, Map<String, String> with, Set<String> env) {
    return resolve(uses).map(a -> a.inputProblems(with, env)).orElse(List.of());
  }

  @Override
  public Set<String> exportsOf(String uses) {
    return resolve(uses).map(Action::exports).orElse(Set.of());
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
