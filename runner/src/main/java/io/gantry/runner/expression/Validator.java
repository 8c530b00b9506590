package io.gantry.runner.expression;

import io.gantry.runner.suggest.Suggestions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Static checks of a parsed expression: functions, argument counts and context names. */
final class Validator {

  /** Every context GitHub defines; one of these that is absent is "not available here". */
  private static final Set<String> KNOWN_CONTEXTS =
      Set.of(
          "github",
          "env",
          "vars",
          "job",
          "jobs",
          "steps",
          "runner",
          "secrets",
          "strategy",
          "matrix",
          "needs",
          "inputs");

  private Validator() {}

  /**
   * Adds a problem for every fault of {@code node}; {@code availableContexts} null skips the
   * context check.
   */
  static void validate(
      Node node, Collection<String> availableContexts, List<ExpressionProblem> problems) {
    if (node instanceof Node.ContextRef ref) {
      if (availableContexts != null && !containsIgnoreCase(availableContexts, ref.name())) {
        problems.add(
            new ExpressionProblem(unavailableContext(ref.name(), availableContexts), ref.offset()));
      }
    } else if (node instanceof Node.Property property) {
      validate(property.target(), availableContexts, problems);
    } else if (node instanceof Node.Index index) {
      validate(index.target(), availableContexts, problems);
      validate(index.index(), availableContexts, problems);
    } else if (node instanceof Node.Wildcard wildcard) {
      validate(wildcard.target(), availableContexts, problems);
    } else if (node instanceof Node.Not not) {
      validate(not.operand(), availableContexts, problems);
    } else if (node instanceof Node.Binary binary) {
      validate(binary.left(), availableContexts, problems);
      validate(binary.right(), availableContexts, problems);
    } else if (node instanceof Node.Call call) {
      String problem = Functions.problem(call.name(), call.args().size());
      if (problem != null) {
        problems.add(new ExpressionProblem(problem, call.offset()));
      }
      for (Node arg : call.args()) {
        validate(arg, availableContexts, problems);
      }
    }
  }

  /** Whether any status function is called anywhere in {@code node}. */
  static boolean callsStatusFunction(Node node) {
    if (node instanceof Node.Call call) {
      if (Functions.isStatusFunction(call.name())) {
        return true;
      }
      for (Node arg : call.args()) {
        if (callsStatusFunction(arg)) {
          return true;
        }
      }
      return false;
    } else if (node instanceof Node.Property property) {
      return callsStatusFunction(property.target());
    } else if (node instanceof Node.Index index) {
      return callsStatusFunction(index.target()) || callsStatusFunction(index.index());
    } else if (node instanceof Node.Wildcard wildcard) {
      return callsStatusFunction(wildcard.target());
    } else if (node instanceof Node.Not not) {
      return callsStatusFunction(not.operand());
    } else if (node instanceof Node.Binary binary) {
      return callsStatusFunction(binary.left()) || callsStatusFunction(binary.right());
    }
    return false;
  }

  static String unavailableContext(String name, Collection<String> availableContexts) {
    List<String> available = new ArrayList<>(new TreeSet<>(availableContexts));
    String listing = available.isEmpty() ? "none" : String.join(", ", available);
    String lower = name.toLowerCase(Locale.ROOT);
    if (KNOWN_CONTEXTS.contains(lower)) {
      return "context '" + lower + "' is not available here; available: " + listing;
    }
    if (Functions.find(name) != null) {
      return "unknown context '" + name + "'; to call the function write '" + name + "()'";
    }
    String suggestion = Suggestions.nearestName(name, available);
    return suggestion == null
        ? "unknown context '" + name + "'; available: " + listing
        : "unknown context '"
            + name
            + "'; did you mean '"
            + suggestion
            + "'? Available: "
            + listing;
  }

  private static boolean containsIgnoreCase(Collection<String> names, String name) {
    for (String candidate : names) {
      if (candidate.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
