package io.gantry.runner.workflow;

import io.gantry.runner.workflow.Problem.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects the problems of one file; never stops at the first. */
final class Report {

  private final String displayName;
  private final List<Problem> problems = new ArrayList<>();

  Report(String displayName) {
    this.displayName = displayName;
  }

  String displayName() {
    return displayName;
  }

  Location at(Node node) {
    return node.getStartMark()
        .map(m -> new Location(displayName, m.getLine() + 1, m.getColumn() + 1))
        .orElse(Location.of(displayName));
  }

  void error(Node node, String message) {
    error(at(node), message);
  }

  void error(Location location, String message) {
    problems.add(new Problem(location, Severity.ERROR, message));
  }

  void warning(Node node, String message) {
    problems.add(new Problem(at(node), Severity.WARNING, message));
  }

  boolean hasErrors() {
    return problems.stream().anyMatch(p -> p.severity() == Severity.ERROR);
  }

  /** Every problem in file order (stable for problems at the same place). */
  List<Problem> problems() {
    List<Problem> sorted = new ArrayList<>(problems);
    sorted.sort(
        Comparator.comparingInt((Problem p) -> p.location().line())
            .thenComparingInt(p -> p.location().column()));
    return sorted;
  }

  List<Problem> warnings() {
    return problems().stream().filter(p -> p.severity() == Severity.WARNING).toList();
  }
}
