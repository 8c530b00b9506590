package io.gantry.runner.workflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads {@code on.workflow_call} ({@code inputs} typed string, boolean or number; {@code secrets}
 * with {@code required}; {@code outputs} with a {@code value} over the {@code jobs} context), and
 * the caller's side of a job that calls a reusable workflow ({@code uses}, {@code with}, {@code
 * secrets}).
 */
final class WorkflowCallReader {

  static final List<String> CALL_TYPES = List.of("string", "boolean", "number");

  private final Fields fields;
  private final Report report;

  WorkflowCallReader(Fields fields) {
    this.fields = fields;
    this.report = fields.report;
  }

  /** {@code on.workflow_call} of the {@code on:} node, or null when it has none. */
  WorkflowCall read(Node on) {
    if (!(on instanceof MappingNode mapping)) {
      boolean listed =
          (on instanceof ScalarNode s && s.getValue().equals("workflow_call"))
              || (on instanceof org.snakeyaml.engine.v2.nodes.SequenceNode seq
                  && seq.getValue().stream()
                      .anyMatch(
                          n -> n instanceof ScalarNode s && s.getValue().equals("workflow_call")));
      return listed ? new WorkflowCall(Map.of(), Map.of(), Map.of()) : null;
    }
    Node node = null;
    for (NodeTuple tuple : mapping.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals("workflow_call")) {
        node = tuple.getValueNode();
      }
    }
    if (node == null) {
      return null;
    }
    if (Fields.isNull(node)) {
      return new WorkflowCall(Map.of(), Map.of(), Map.of());
    }
    Map<String, NodeTuple> e =
        fields.map(
            node,
            "on.workflow_call",
            "'on.workflow_call'",
            List.of("inputs", "secrets", "outputs"));
    if (e == null) {
      return null;
    }
    Map<String, InputSpec> inputs = new LinkedHashMap<>();
    TriggersReader triggers = new TriggersReader(fields);
    for (Map.Entry<String, NodeTuple> input : entries(e, "inputs").entrySet()) {
      InputSpec spec = triggers.input(input.getKey(), input.getValue());
      if (spec == null) {
        continue;
      }
      if (!CALL_TYPES.contains(spec.type())) {
        report.error(
            input.getValue().getKeyNode(),
            "input '"
                + input.getKey()
                + "' of on.workflow_call has type "
                + spec.type()
                + "; a reusable workflow's inputs are string, boolean or number");
      }
      inputs.put(input.getKey(), spec);
    }
    Map<String, Boolean> secrets = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> secret : entries(e, "secrets").entrySet()) {
      Node value = secret.getValue().getValueNode();
      boolean required = false;
      if (!Fields.isNull(value)) {
        Map<String, NodeTuple> s =
            fields.map(
                value,
                "secrets." + secret.getKey(),
                "secret '" + secret.getKey() + "'",
                List.of("description", "required"));
        if (s != null && s.containsKey("required")) {
          Node r = s.get("required").getValueNode();
          if (r instanceof ScalarNode scalar && r.getTag().equals(Tag.BOOL)) {
            required = Boolean.parseBoolean(scalar.getValue().toLowerCase(Locale.ROOT));
          } else {
            report.error(r, "'required' of secret '" + secret.getKey() + "' must be true or false");
          }
        }
      }
      secrets.put(secret.getKey(), required);
    }
    Map<String, String> outputs = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> output : entries(e, "outputs").entrySet()) {
      Node value = output.getValue().getValueNode();
      Map<String, NodeTuple> o =
          fields.map(
              value,
              "outputs." + output.getKey(),
              "output '" + output.getKey() + "'",
              List.of("description", "value"));
      if (o == null) {
        continue;
      }
      if (!o.containsKey("value")) {
        report.error(
            output.getValue().getKeyNode(),
            "output '"
                + output.getKey()
                + "' of on.workflow_call has no 'value'; give one, e.g. value: ${{"
                + " jobs.build.outputs.version }}");
        continue;
      }
      String template =
          fields.template(o.get("value").getValueNode(), "value", Contexts.CALL_OUTPUTS);
      if (template != null) {
        outputs.put(output.getKey(), template);
      }
    }
    return new WorkflowCall(
        Collections.unmodifiableMap(inputs),
        Collections.unmodifiableMap(secrets),
        Collections.unmodifiableMap(outputs));
  }

  private Map<String, NodeTuple> entries(Map<String, NodeTuple> e, String key) {
    NodeTuple tuple = e.get(key);
    if (tuple == null || Fields.isNull(tuple.getValueNode())) {
      return Map.of();
    }
    Map<String, NodeTuple> map =
        fields.map(tuple.getValueNode(), key, "'on.workflow_call." + key + "'", null);
    return map == null ? Map.of() : map;
  }

  /** The caller's side: {@code uses} checked for its form, {@code with} and {@code secrets}. */
  JobCall call(String jobId, Map<String, NodeTuple> e) {
    Node usesNode = e.get("uses").getValueNode();
    String uses = fields.string(usesNode, "uses");
    if (uses == null) {
      return null;
    }
    if (!REUSABLE.matcher(uses).matches()) {
      report.error(
          usesNode,
          "'"
              + uses
              + "' is not a reusable workflow; write ./.github/workflows/FILE.yml or"
              + " OWNER/REPO/.github/workflows/FILE.yml@REF");
      return null;
    }
    Map<String, String> with =
        e.containsKey("with")
            ? fields.stringMap(e.get("with").getValueNode(), "with", Contexts.JOB_WITH)
            : Map.of();
    Map<String, String> secrets = Map.of();
    boolean inherit = false;
    if (e.containsKey("secrets")) {
      Node s = e.get("secrets").getValueNode();
      if (s instanceof ScalarNode scalar && scalar.getValue().equals("inherit")) {
        inherit = true;
      } else if (s instanceof ScalarNode) {
        report.error(
            s,
            "'secrets' of job '"
                + jobId
                + "' must be 'inherit' or a mapping of secret names to values");
      } else {
        secrets = fields.stringMap(s, "secrets", Contexts.JOB_SECRETS);
      }
    }
    return new JobCall(uses, with, secrets, inherit, report.at(usesNode));
  }

  static final java.util.regex.Pattern REUSABLE =
      java.util.regex.Pattern.compile(
          "(\\./\\.github/workflows/[^/@]+\\.ya?ml)"
              + "|([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\\.github/workflows/[^/@]+\\.ya?ml@\\S+)");
}
