package io.gantry.runner.execution;

import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.suggest.Suggestions;
import io.gantry.runner.workflow.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The steps of a composite action's {@code runs.steps} as {@link Step}s, checked as GitHub checks
 * them: only the keys a composite step may have, exactly one of {@code run} and {@code uses}, and a
 * {@code shell} on every {@code run} step (a composite action has no defaults to fall back on).
 */
final class CompositeSteps {

  static final Set<String> KEYS =
      Set.of(
          "id",
          "name",
          "if",
          "env",
          "run",
          "shell",
          "working-directory",
          "uses",
          "with",
          "continue-on-error",
          "timeout-minutes");

  private CompositeSteps() {}

  /** A composite action whose steps are wrong: every problem, one per line, with its place. */
  static final class InvalidComposite extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidComposite(String message) {
      super(message, null, false, false);
    }
  }

  static List<Step> read(ActionManifest.CompositeRuns runs) throws InvalidComposite {
    List<Step> steps = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (ActionManifest.CompositeStep raw : runs.steps()) {
      Map<String, Object> f = raw.fields();
      String at = raw.location() + ": ";
      for (String key : f.keySet()) {
        if (!KEYS.contains(key)) {
          problems.add(at + "'" + key + "' is not a key of a composite action's step" + hint(key));
        }
      }
      String run = text(f, "run", at, problems);
      String uses = text(f, "uses", at, problems);
      String shell = text(f, "shell", at, problems);
      if ((run == null) == (uses == null)) {
        problems.add(at + "a composite action's step needs exactly one of run: and uses:");
      } else if (run != null && shell == null) {
        problems.add(
            at + "a run: step of a composite action needs shell: (for example shell: bash)");
      }
      steps.add(
          new Step(
              text(f, "id", at, problems),
              text(f, "name", at, problems),
              text(f, "if", at, problems),
              map(f, "env", at, problems),
              run,
              shell,
              text(f, "working-directory", at, problems),
              uses,
              map(f, "with", at, problems),
              text(f, "timeout-minutes", at, problems),
              text(f, "continue-on-error", at, problems),
              raw.location()));
    }
    if (!problems.isEmpty()) {
      throw new InvalidComposite(String.join("\n", problems));
    }
    return steps;
  }

  private static String hint(String key) {
    return Suggestions.hint(key, new java.util.TreeSet<>(KEYS), "keys");
  }

  private static String text(Map<String, Object> f, String key, String at, List<String> problems) {
    Object value = f.get(key);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    problems.add(at + key + ": must be a string, not a " + (value instanceof Map ? "map" : "list"));
    return null;
  }

  private static Map<String, String> map(
      Map<String, Object> f, String key, String at, List<String> problems) {
    Object value = f.get(key);
    Map<String, String> result = new LinkedHashMap<>();
    if (value == null) {
      return result;
    }
    if (!(value instanceof Map<?, ?> m)) {
      problems.add(at + key + ": must be a mapping of names to values");
      return result;
    }
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      if (v != null && !(v instanceof String)) {
        problems.add(at + key + "." + e.getKey() + ": must be a string");
      } else {
        result.put(String.valueOf(e.getKey()), v == null ? "" : (String) v);
      }
    }
    return result;
  }
}
