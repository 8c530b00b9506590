package io.gantry.runner.action.remote;

import io.gantry.runner.suggest.Suggestions;
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.InputProblem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What validation knows of {@code uses:} when actions are fetched from git: the built-in actions
 * first (their versions and inputs), then any {@code OWNER/REPO[/PATH]@REF}, accepted as an action
 * to fetch when the run gets there. When that action is already in the action cache (fetched by an
 * earlier run), its {@code action.yml} says which inputs it takes, so a misspelt one is reported
 * with a suggestion before anything runs; otherwise its inputs are not checked.
 */
public final class GitActionCatalog implements ActionCatalog {

  private final ActionCatalog builtIns;
  private final Set<String> builtInNames;
  private final Path cacheDir;

  /**
   * @param builtIns the built-in actions in use (those turned off removed)
   * @param builtInNames their names: an action one letter away from one of them is taken for a typo
   *     of it, not fetched
   * @param cacheDir the action cache ({@code DATA/actions}), read only
   */
  public GitActionCatalog(ActionCatalog builtIns, Set<String> builtInNames, Path cacheDir) {
    this.builtIns = builtIns;
    this.builtInNames = Set.copyOf(builtInNames);
    this.cacheDir = cacheDir;
  }

  @Override
  public String problemWith(String uses) {
    String builtIn = builtIns.problemWith(uses);
    if (builtIn == null) {
      return null;
    }
    Optional<ActionReference> remote = remote(uses);
    if (remote.isEmpty()) {
      return builtIn;
    }
    String name = remote.get().repository() + pathOf(remote.get());
    String near =
        builtInNames.contains(name)
            ? null
            : Suggestions.nearest(name, List.copyOf(builtInNames), 2);
    if (near != null && ActionFetcher.cached(cacheDir, remote.get()).isEmpty()) {
      return "unknown action '"
          + uses
          + "'; did you mean '"
          + near
          + "'? (a built-in action; an action of the name as written would be fetched from the"
          + " action sources)";
    }
    return null;
  }

  private static String pathOf(ActionReference reference) {
    return reference.path().isEmpty() ? "" : "/" + reference.path();
  }

  @Override
  public Set<String> inputsOf(String uses) {
    if (builtIns.problemWith(uses) == null) {
      return builtIns.inputsOf(uses);
    }
    return remote(uses)
        .flatMap(reference -> ActionFetcher.cached(cacheDir, reference))
        .map(manifest -> manifest.inputs().keySet())
        .orElse(null);
  }

  /** Fetched actions' required inputs are not enforced (GitHub's runner does not either). */
  @Override
  public Set<String> requiredInputsOf(String uses) {
    return builtIns.problemWith(uses) == null ? builtIns.requiredInputsOf(uses) : Set.of();
  }

  @Override
  public List<InputProblem> inputProblems(String uses, Map<String, String> with, Set<String> env) {
    return builtIns.problemWith(uses) == null ? builtIns.inputProblems(uses, with, env) : List.of();
  }

  @Override
  public Set<String> exportsOf(String uses) {
    return builtIns.problemWith(uses) == null ? builtIns.exportsOf(uses) : Set.of();
  }

  private static Optional<ActionReference> remote(String uses) {
    try {
      ActionReference reference = ActionReference.parse(uses);
      return reference.kind() == ActionReference.Kind.REMOTE
          ? Optional.of(reference)
          : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
