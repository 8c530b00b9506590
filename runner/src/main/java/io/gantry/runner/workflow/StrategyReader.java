package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** Reads {@code strategy:}; the matrix becomes plain Java data for the executor to expand. */
final class StrategyReader {

  private static final List<String> KEYS = List.of("matrix", "fail-fast", "max-parallel");

  private final Fields fields;
  private final Report report;

  StrategyReader(Fields fields) {
    this.fields = fields;
    this.report = fields.report;
  }

  Strategy read(Node node) {
    Map<String, NodeTuple> e = fields.map(node, "strategy", "'strategy'", KEYS);
    if (e == null) {
      return null;
    }
    Object matrix = e.containsKey("matrix") ? matrix(e.get("matrix").getValueNode()) : null;
    String failFast =
        e.containsKey("fail-fast")
            ? fields.bool(e.get("fail-fast").getValueNode(), "fail-fast", Contexts.STRATEGY)
            : null;
    String maxParallel =
        e.containsKey("max-parallel")
            ? fields.positiveNumber(
                e.get("max-parallel").getValueNode(), "max-parallel", Contexts.STRATEGY)
            : null;
    return new Strategy(matrix, failFast, maxParallel, report.at(node));
  }

  private Object matrix(Node node) {
    if (node instanceof ScalarNode scalar && Fields.isExpression(scalar.getValue())) {
      fields.templates.template(scalar, Contexts.STRATEGY);
      return scalar.getValue();
    }
    Map<String, NodeTuple> e = fields.map(node, "matrix", "'matrix'", null);
    if (e == null) {
      return null;
    }
    if (e.isEmpty()) {
      report.error(node, "'matrix' is empty; give it at least one variable with a list of values");
    }
    Map<String, Object> matrix = new LinkedHashMap<>();
    e.forEach(
        (key, tuple) -> {
          Node value = tuple.getValueNode();
          if (value instanceof ScalarNode scalar && Fields.isExpression(scalar.getValue())) {
            fields.templates.template(scalar, Contexts.STRATEGY);
            matrix.put(key, scalar.getValue());
          } else if (key.equals("include") || key.equals("exclude")) {
            matrix.put(key, combinations(key, value));
          } else if (value instanceof SequenceNode sequence) {
            if (sequence.getValue().isEmpty()) {
              report.error(value, "matrix variable '" + key + "' has no values; list at least one");
            }
            matrix.put(key, data(value));
          } else {
            report.error(
                value,
                "matrix variable '"
                    + key
                    + "' must be a list of values or an expression, got "
                    + Fields.describe(value));
          }
        });
    return Collections.unmodifiableMap(matrix);
  }

  private List<Object> combinations(String key, Node node) {
    List<Object> result = new ArrayList<>();
    if (!(node instanceof SequenceNode sequence)) {
      report.error(
          node, "'matrix." + key + "' must be a list of maps, got " + Fields.describe(node));
      return result;
    }
    for (Node item : sequence.getValue()) {
      if (item instanceof MappingNode
          || (item instanceof ScalarNode s && Fields.isExpression(s.getValue()))) {
        result.add(data(item));
      } else {
        report.error(
            item, "items of 'matrix." + key + "' must be maps, got " + Fields.describe(item));
      }
    }
    return Collections.unmodifiableList(result);
  }

  /** Plain data of a node: Map, List, String, Long, Double, Boolean or null. */
  private Object data(Node node) {
    if (node instanceof MappingNode) {
      Map<String, Object> map = new LinkedHashMap<>();
      Map<String, NodeTuple> e = fields.map(node, "matrix", "'matrix'", null);
      e.forEach((k, tuple) -> map.put(k, data(tuple.getValueNode())));
      return Collections.unmodifiableMap(map);
    }
    if (node instanceof SequenceNode sequence) {
      List<Object> list = new ArrayList<>();
      for (Node item : sequence.getValue()) {
        list.add(data(item));
      }
      return Collections.unmodifiableList(list);
    }
    ScalarNode scalar = (ScalarNode) node;
    fields.templates.template(scalar, Contexts.STRATEGY);
    return scalar(scalar);
  }

  /** A scalar as the YAML 1.2 core schema types it. */
  static Object scalar(ScalarNode scalar) {
    Tag tag = scalar.getTag();
    String text = scalar.getValue();
    if (tag.equals(Tag.NULL)) {
      return null;
    }
    if (tag.equals(Tag.BOOL)) {
      return Boolean.valueOf(text.toLowerCase(Locale.ROOT));
    }
    if (tag.equals(Tag.INT)) {
      try {
        if (text.startsWith("0x")) {
          return Long.parseLong(text.substring(2), 16);
        }
        if (text.startsWith("0o")) {
          return Long.parseLong(text.substring(2), 8);
        }
        return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
      } catch (NumberFormatException e) {
        return Double.valueOf(text);
      }
    }
    if (tag.equals(Tag.FLOAT)) {
      String lower = text.toLowerCase(Locale.ROOT);
      if (lower.endsWith(".inf")) {
        return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      if (lower.equals(".nan")) {
        return Double.NaN;
      }
      return Double.valueOf(text);
    }
    return text;
  }
}
