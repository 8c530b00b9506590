package io.gantry.runner.workflow;

import io.gantry.runner.suggest.Suggestions;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the steps of one job: {@code run:} scripts and {@code uses:} actions. */
final class StepReader {

  static final List<String> KEYS =
      List.of(
          "id",
          "name",
          "if",
          "env",
          "run",
          "shell",
          "working-directory",
          "uses",
          "with",
          "timeout-minutes",
          "continue-on-error");

  /** {@code with} keys every action accepts (GitHub passes them to Docker actions). */
  private static final Set<String> ALWAYS_ALLOWED_INPUTS = Set.of("args", "entrypoint");

  private final Fields fields;
  private final Report report;
  private final InjectionRule injection;
  private final ActionCatalog actions;
  private final Map<String, Node> ids = new HashMap<>();

  StepReader(Fields fields, InjectionRule injection, ActionCatalog actions) {
    this.fields = fields;
    this.report = fields.report;
    this.injection = injection;
    this.actions = actions;
  }

  Step read(Node node) {
    if (!(node instanceof MappingNode)) {
      report.error(node, "a step must be a map with 'run' or 'uses', got " + Fields.describe(node));
      return null;
    }
    Map<String, NodeTuple> e = fields.map(node, "step", "step", KEYS);
    if (e == null) {
      return null;
    }
    String id = null;
    if (e.containsKey("id")) {
      id = id(e.get("id").getValueNode());
    }
    String name =
        e.containsKey("name") ? fields.template(value(e, "name"), "name", Contexts.STEP) : null;
    String condition =
        e.containsKey("if") ? fields.condition(value(e, "if"), "if", Contexts.STEP_IF) : null;
    Map<String, String> env =
        e.containsKey("env") ? fields.stringMap(value(e, "env"), "env", Contexts.STEP) : Map.of();
    String timeout =
        e.containsKey("timeout-minutes")
            ? fields.positiveNumber(value(e, "timeout-minutes"), "timeout-minutes", Contexts.STEP)
            : null;
    String continueOnError =
        e.containsKey("continue-on-error")
            ? fields.bool(value(e, "continue-on-error"), "continue-on-error", Contexts.STEP)
            : null;

    boolean hasRun = e.containsKey("run");
    boolean hasUses = e.containsKey("uses");
    if (hasRun && hasUses) {
      report.error(
          e.get("uses").getKeyNode(),
          "a step has either 'run' or 'uses', not both; split it into two steps");
    } else if (!hasRun && !hasUses) {
      report.error(node, "a step needs 'run' (a script) or 'uses' (an action)");
    }
    String run = null;
    String shell = null;
    String workingDirectory = null;
    if (hasRun) {
      run = run(value(e, "run"));
    }
    for (String key : List.of("shell", "working-directory")) {
      if (e.containsKey(key) && !hasRun) {
        report.error(
            e.get(key).getKeyNode(), "'" + key + "' only applies to run: steps; remove it");
      }
    }
    if (e.containsKey("shell")) {
      shell = fields.shell(value(e, "shell"), "shell");
    }
    if (e.containsKey("working-directory")) {
      workingDirectory =
          fields.template(value(e, "working-directory"), "working-directory", Contexts.STEP);
    }
    String uses = null;
    Map<String, String> with = Map.of();
    if (hasUses) {
      uses = fields.string(value(e, "uses"), "uses");
      Set<String> inputs = uses == null ? null : checkUses(uses, value(e, "uses"));
      if (e.containsKey("with")) {
        with = with(e.get("with"), uses, inputs);
      }
      if (inputs != null) {
        Set<String> missing = new LinkedHashSet<>(actions.requiredInputsOf(uses));
        missing.removeAll(with.keySet());
        for (String input : missing) {
          report.error(
              value(e, "uses"), uses + " requires input '" + input + "'; add it under with:");
        }
      }
    } else if (e.containsKey("with")) {
      report.error(e.get("with").getKeyNode(), "'with' only applies to uses: steps; remove it");
    }
    return new Step(
        id,
        name,
        condition,
        env,
        run,
        shell,
        workingDirectory,
        uses,
        with,
        timeout,
        continueOnError,
        report.at(node));
  }

  private static Node value(Map<String, NodeTuple> entries, String key) {
    return entries.get(key).getValueNode();
  }

  private String id(Node node) {
    String id = fields.string(node, "id");
    if (id == null) {
      return null;
    }
    if (!JobReader.ID.matcher(id).matches()) {
      report.error(
          node,
          "step id '"
              + id
              + "' is invalid; use letters, digits, '_' and '-', starting with a letter or '_'");
      return null;
    }
    Node first = ids.putIfAbsent(id, node);
    if (first != null) {
      report.error(
          node,
          "step id '"
              + id
              + "' is already used in this job (line "
              + report.at(first).line()
              + "); step ids must be unique within a job");
    }
    return id;
  }

  private String run(Node node) {
    ScalarNode scalar = fields.scalar(node, "run", "a string (the script)");
    if (scalar == null || Fields.isNull(scalar) || scalar.getValue().isBlank()) {
      if (scalar != null) {
        report.error(node, "'run' must not be empty; write the commands to run");
      }
      return null;
    }
    fields.templates.template(scalar, Contexts.STEP);
    injection.checkRun(scalar);
    return scalar.getValue();
  }

  /** The inputs of a supported action, or null when {@code uses} is reported. */
  private Set<String> checkUses(String uses, Node node) {
    if (uses.startsWith("docker://")) {
      // run in a container by Podman; with: args and entrypoint, any other input as INPUT_*
      String image = uses.substring("docker://".length());
      if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
        report.error(
            node, "'" + uses + "' names no image; write docker://IMAGE, e.g. docker://alpine:3.20");
      }
      return null;
    }
    if (uses.startsWith("../") || (uses.startsWith("./") && uses.contains(".."))) {
      report.error(
          node,
          "'"
              + uses
              + "' leaves the workspace; a local action is ./PATH inside the checked-out"
              + " repository");
      return null;
    }
    if (uses.startsWith("./")) {
      // A local action: its action.yml is in the workspace once checked out, so its inputs are
      // checked when the step runs (GitHub's warnings for unexpected and missing inputs).
      return null;
    }
    String problem = actions.problemWith(uses);
    if (problem != null) {
      report.error(node, problem);
      return null;
    }
    return actions.inputsOf(uses);
  }

  private Map<String, String> with(NodeTuple tuple, String uses, Set<String> inputs) {
    Node node = tuple.getValueNode();
    if (Fields.isNull(node)) {
      return Map.of();
    }
    Map<String, NodeTuple> entries = fields.map(node, "with", "'with'", null);
    if (entries == null) {
      return Map.of();
    }
    if (inputs != null) {
      List<String> known = inputs.stream().sorted().toList();
      entries.forEach(
          (key, entry) -> {
            if (!inputs.contains(key) && !ALWAYS_ALLOWED_INPUTS.contains(key)) {
              report.error(
                  entry.getKeyNode(),
                  "unknown input '"
                      + key
                      + "' for "
                      + uses
                      + Suggestions.hint(key, known, "inputs"));
            }
          });
    }
    return fields.stringValues(entries, "with", Contexts.STEP);
  }
}
