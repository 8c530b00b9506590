package io.gantry.runner.execution;

import java.util.ArrayList;
import java.util.List;

/** The labels of a job's {@code runs-on}, from its text as evaluated. */
final class RunsOn {

  private RunsOn() {}

  /** The labels of {@code runsOn} as written, evaluated in {@code context} (a matrix value). */
  static List<String> evaluated(
      String runsOn, io.gantry.runner.expression.ExpressionContext context) {
    if (runsOn == null) {
      return List.of();
    }
    try {
      return labels(io.gantry.runner.expression.Expressions.interpolate(runsOn, context));
    } catch (io.gantry.runner.expression.ExpressionException e) {
      return labels(runsOn);
    }
  }

  /**
   * {@code ubuntu-latest} → [ubuntu-latest]; {@code [self-hosted, linux]} → both; {@code {group: g,
   * labels: [a, b]}} → [a, b] (a runner group alone gives none).
   */
  static List<String> labels(String rendered) {
    if (rendered == null) {
      return List.of();
    }
    String text = rendered.strip();
    if (text.startsWith("{")) {
      int at = text.indexOf("labels:");
      if (at < 0) {
        return List.of();
      }
      text = text.substring(at + "labels:".length()).strip();
      if (text.startsWith("[")) {
        int end = text.indexOf(']');
        text = end < 0 ? text : text.substring(0, end + 1);
      } else {
        int end = text.indexOf(',');
        text = end < 0 ? text.replaceAll("}$", "") : text.substring(0, end);
      }
    }
    if (text.startsWith("[") && text.endsWith("]")) {
      text = text.substring(1, text.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String label = part.strip();
      if (label.length() >= 2
          && ((label.startsWith("\"") && label.endsWith("\""))
              || (label.startsWith("'") && label.endsWith("'")))) {
        label = label.substring(1, label.length() - 1);
      }
      if (!label.isEmpty()) {
        out.add(label);
      }
    }
    return out;
  }
}
