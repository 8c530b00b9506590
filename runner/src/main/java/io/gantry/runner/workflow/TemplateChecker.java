package io.gantry.runner.workflow;

import io.gantry.runner.expression.ExpressionProblem;
import io.gantry.runner.expression.Expressions;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Checks the {@code ${{ }}} of one value and reports each fault at its exact file position. */
final class TemplateChecker {

  private final Report report;
  private final ScalarPositions positions;

  TemplateChecker(Report report, ScalarPositions positions) {
    this.report = report;
    this.positions = positions;
  }

  /** Checks a template value (only when it holds <code>${{</code>). */
  void template(ScalarNode node, Set<String> contexts) {
    if (node.getValue().contains("${{")) {
      check(node, false, contexts);
    }
  }

  /** Checks an {@code if:} condition, bare or wrapped. */
  void condition(ScalarNode node, Set<String> contexts) {
    check(node, true, contexts);
  }

  Location at(ScalarNode node, int offset) {
    return positions.at(node, offset);
  }

  private void check(ScalarNode node, boolean condition, Set<String> contexts) {
    for (ExpressionProblem p : Expressions.check(node.getValue(), condition, contexts)) {
      report.error(positions.at(node, p.offset()), p.message());
    }
  }
}
