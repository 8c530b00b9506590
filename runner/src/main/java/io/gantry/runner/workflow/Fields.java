package io.gantry.runner.workflow;

import io.gantry.runner.suggest.Suggestions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed reads of node values shared by every part of the workflow: each read checks the value's
 * type and its expressions, reports what is wrong, and returns null (or an empty value) so reading
 * goes on.
 */
final class Fields {

  static final List<String> SHELLS = List.of("bash", "sh", "python");
  private static final Set<String> UNSUPPORTED_SHELLS = Set.of("pwsh", "powershell", "cmd");

  final Report report;
  final TemplateChecker templates;

  Fields(Report report, TemplateChecker templates) {
    this.report = report;
    this.templates = templates;
  }

  // ---- shapes

  /** "a map", "a list", "a string", "a number", "a boolean" or "null", for messages. */
  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a map";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    Tag tag = node.getTag();
    if (tag.equals(Tag.NULL)) {
      return "nothing (null)";
    }
    if (tag.equals(Tag.BOOL)) {
      return "a boolean";
    }
    if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
      return "a number";
    }
    return "a string";
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
  }

  static boolean isExpression(String text) {
    return text != null && text.contains("${{");
  }

  /**
   * The entries of a map by key, in file order. Reports a value that is not a map, keys that are
   * not strings, duplicate keys and (when {@code validKeys} is not null) unknown keys, with the
   * nearest valid key. Null when {@code node} is not a map.
   */
  Map<String, NodeTuple> map(Node node, String name, String place, List<String> validKeys) {
    if (!(node instanceof MappingNode mapping)) {
      report.error(node, "'" + name + "' must be a map, got " + describe(node));
      return null;
    }
    Map<String, NodeTuple> entries = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode key)) {
        report.error(keyNode, "keys in " + place + " must be strings, got " + describe(keyNode));
        continue;
      }
      String k = key.getValue();
      NodeTuple first = entries.get(k);
      if (first != null) {
        report.error(
            keyNode,
            "duplicate key '"
                + k
                + "' in "
                + place
                + " (first at line "
                + report.at(first.getKeyNode()).line()
                + "); remove one");
        continue;
      }
      if (validKeys != null && !validKeys.contains(k)) {
        report.error(
            keyNode,
            "unknown key '" + k + "' in " + place + Suggestions.hint(k, validKeys, "keys"));
        continue;
      }
      entries.put(k, tuple);
    }
    return entries;
  }

  /**
   * Whether a map has an unknown key that is a misspelling of {@code key} (already reported with a
   * suggestion), so that "missing key" need not be reported again.
   */
  static boolean misspelt(Node node, String key, List<String> validKeys) {
    return node instanceof MappingNode mapping
        && mapping.getValue().stream()
            .map(NodeTuple::getKeyNode)
            .filter(k -> k instanceof ScalarNode)
            .map(k -> ((ScalarNode) k).getValue())
            .anyMatch(k -> !validKeys.contains(k) && key.equals(Suggestions.nearest(k, validKeys)));
  }

  /** The scalar, or null (reported) when the node is a map or a list. */
  ScalarNode scalar(Node node, String name, String expected) {
    if (node instanceof ScalarNode scalar) {
      return scalar;
    }
    report.error(node, "'" + name + "' must be " + expected + ", got " + describe(node));
    return null;
  }

  /** A scalar's text (booleans and numbers as written); null for null and non-scalars. */
  String string(Node node, String name) {
    ScalarNode scalar = scalar(node, name, "a string");
    return scalar == null || isNull(scalar) ? null : scalar.getValue();
  }

  /** A string that may hold {@code ${{ }}}, checked against {@code contexts}. */
  String template(Node node, String name, Set<String> contexts) {
    ScalarNode scalar = scalar(node, name, "a string");
    if (scalar == null || isNull(scalar)) {
      return null;
    }
    templates.template(scalar, contexts);
    return scalar.getValue();
  }

  /** An {@code if:} condition, bare or wrapped in {@code ${{ }}}. */
  String condition(Node node, String name, Set<String> contexts) {
    ScalarNode scalar = scalar(node, name, "an expression");
    if (scalar == null || isNull(scalar)) {
      return null;
    }
    templates.condition(scalar, contexts);
    return scalar.getValue();
  }

  /** A map of names to scalar templates ({@code env}, {@code with}, {@code outputs}). */
  Map<String, String> stringMap(Node node, String name, Set<String> contexts) {
    if (isNull(node)) {
      return Map.of();
    }
    Map<String, NodeTuple> entries = map(node, name, "'" + name + "'", null);
    return entries == null ? Map.of() : stringValues(entries, name, contexts);
  }

  /** The scalar values of map entries as templates; other values are reported. */
  Map<String, String> stringValues(
      Map<String, NodeTuple> entries, String name, Set<String> contexts) {
    Map<String, String> result = new LinkedHashMap<>();
    entries.forEach(
        (key, tuple) -> {
          Node value = tuple.getValueNode();
          if (value instanceof ScalarNode scalar) {
            templates.template(scalar, contexts);
            result.put(key, isNull(scalar) ? "" : scalar.getValue());
          } else {
            report.error(
                value,
                "'"
                    + name
                    + "."
                    + key
                    + "' must be a string, number or boolean, got "
                    + describe(value));
          }
        });
    return Collections.unmodifiableMap(result);
  }

  /** A string or a list of strings, as a list; null (reported) otherwise. */
  List<String> stringList(Node node, String name) {
    if (node instanceof ScalarNode scalar && !isNull(scalar)) {
      return List.of(scalar.getValue());
    }
    if (!(node instanceof SequenceNode sequence)) {
      report.error(
          node, "'" + name + "' must be a string or a list of strings, got " + describe(node));
      return null;
    }
    List<String> result = new ArrayList<>();
    for (Node item : sequence.getValue()) {
      if (item instanceof ScalarNode scalar && !isNull(scalar)) {
        result.add(scalar.getValue());
      } else {
        report.error(item, "items of '" + name + "' must be strings, got " + describe(item));
      }
    }
    return List.copyOf(result);
  }

  /** A number greater than 0, or an expression ({@code timeout-minutes}, {@code max-parallel}). */
  String positiveNumber(Node node, String name, Set<String> contexts) {
    ScalarNode scalar = scalar(node, name, "a number or an expression");
    if (scalar == null) {
      return null;
    }
    String text = scalar.getValue();
    if (isExpression(text) && scalar.getTag().equals(Tag.STR)) {
      templates.template(scalar, contexts);
      return text;
    }
    Double number = number(scalar);
    if (number == null) {
      report.error(
          node,
          "'"
              + name
              + "' must be a number or an expression, got "
              + describe(node)
              + " '"
              + text
              + "'");
      return null;
    }
    if (!(number > 0)) {
      report.error(node, "'" + name + "' must be greater than 0, got " + text);
      return null;
    }
    return text;
  }

  private static Double number(ScalarNode scalar) {
    if (!scalar.getTag().equals(Tag.INT)
        && !scalar.getTag().equals(Tag.FLOAT)
        && !scalar.getTag().equals(Tag.STR)) {
      return null;
    }
    try {
      return Double.valueOf(scalar.getValue().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * {@code true}, {@code false} or an expression ({@code continue-on-error}, {@code fail-fast}).
   */
  String bool(Node node, String name, Set<String> contexts) {
    ScalarNode scalar = scalar(node, name, "true, false or an expression");
    if (scalar == null) {
      return null;
    }
    String lower = scalar.getValue().toLowerCase(Locale.ROOT);
    if (scalar.getTag().equals(Tag.BOOL) || lower.equals("true") || lower.equals("false")) {
      return lower;
    }
    if (scalar.getTag().equals(Tag.STR) && isExpression(scalar.getValue())) {
      templates.template(scalar, contexts);
      return scalar.getValue();
    }
    report.error(
        node,
        "'"
            + name
            + "' must be true, false or an expression, got "
            + describe(node)
            + (isNull(node) ? "" : " '" + scalar.getValue() + "'"));
    return null;
  }

  /** {@code shell:}: bash, sh, python, or a command with {@code {0}} for the script file. */
  String shell(Node node, String name) {
    String shell = string(node, name);
    if (shell == null) {
      return null;
    }
    if (SHELLS.contains(shell) || shell.contains("{0}")) {
      return shell;
    }
    String hint =
        "; use bash, sh, python or a command with {0} for the script file, e.g. 'perl {0}'";
    if (UNSUPPORTED_SHELLS.contains(shell)) {
      report.error(node, "shell '" + shell + "' is not supported by Gantry" + hint);
    } else {
      report.error(node, "unknown shell '" + shell + "'" + hint);
    }
    return null;
  }

  /** {@code defaults:} with its only key {@code run} ({@code shell}, {@code working-directory}). */
  RunDefaults defaults(Node node, String name, Set<String> contexts) {
    Map<String, NodeTuple> entries = map(node, name, "'" + name + "'", List.of("run"));
    if (entries == null || !entries.containsKey("run")) {
      return RunDefaults.NONE;
    }
    String runName = name + ".run";
    Map<String, NodeTuple> run =
        map(
            entries.get("run").getValueNode(),
            runName,
            "'" + runName + "'",
            List.of("shell", "working-directory"));
    if (run == null) {
      return RunDefaults.NONE;
    }
    String shell =
        run.containsKey("shell") ? shell(run.get("shell").getValueNode(), "shell") : null;
    String dir =
        run.containsKey("working-directory")
            ? template(run.get("working-directory").getValueNode(), "working-directory", contexts)
            : null;
    return new RunDefaults(shell, dir);
  }

  /** {@code concurrency:} as a group name, or a map with {@code group} and cancel-in-progress. */
  Concurrency concurrency(Node node, Set<String> contexts) {
    if (node instanceof ScalarNode) {
      String group = template(node, "concurrency", contexts);
      if (group == null || group.isBlank()) {
        report.error(node, "'concurrency' needs a group name, e.g. concurrency: deploy-prod");
        return null;
      }
      return new Concurrency(group, "false", report.at(node));
    }
    Map<String, NodeTuple> entries =
        map(node, "concurrency", "'concurrency'", List.of("group", "cancel-in-progress"));
    if (entries == null) {
      return null;
    }
    String cancel =
        entries.containsKey("cancel-in-progress")
            ? bool(entries.get("cancel-in-progress").getValueNode(), "cancel-in-progress", contexts)
            : "false";
    if (!entries.containsKey("group")) {
      report.error(node, "'concurrency' needs a 'group', e.g. group: deploy-${{ github.ref }}");
      return null;
    }
    String group = template(entries.get("group").getValueNode(), "concurrency.group", contexts);
    if (group == null || group.isBlank()) {
      report.error(entries.get("group").getValueNode(), "'concurrency.group' must not be empty");
      return null;
    }
    return new Concurrency(group, cancel == null ? "false" : cancel, report.at(node));
  }
}
