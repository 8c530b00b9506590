package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads one job under {@code jobs:}; its {@code needs} are checked later by {@link NeedsGraph}. */
final class JobReader {

  /** Job, step and input ids, as GitHub allows them. */
  static final Pattern ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

  static final List<String> KEYS =
      List.of(
          "name",
          "needs",
          "if",
          "env",
          "outputs",
          "timeout-minutes",
          "continue-on-error",
          "strategy",
          "defaults",
          "concurrency",
          "environment",
          "runs-on",
          "permissions",
          "container",
          "services",
          "steps");

  /** What a job calling a reusable workflow may have, as on GitHub. */
  static final List<String> CALL_KEYS =
      List.of(
          "name",
          "uses",
          "with",
          "secrets",
          "strategy",
          "needs",
          "if",
          "permissions",
          "concurrency");

  private static final List<String> ALL_KEYS;

  static {
    List<String> all = new ArrayList<>(KEYS);
    all.addAll(List.of("uses", "with", "secrets"));
    ALL_KEYS = List.copyOf(all);
  }

  private final Fields fields;
  private final Report report;
  private final InjectionRule injection;
  private final ActionCatalog actions;

  private final Set<String> workflowEnv;

  /**
   * @param workflowEnv the names the workflow's {@code env:} sets, seen by every step
   */
  JobReader(
      Fields fields, InjectionRule injection, ActionCatalog actions, Set<String> workflowEnv) {
    this.fields = fields;
    this.report = fields.report;
    this.injection = injection;
    this.actions = actions;
    this.workflowEnv = Set.copyOf(workflowEnv);
  }

  /** A job and the nodes of its {@code needs} entries (for locating unknown ids and cycles). */
  record Read(Job job, Map<String, Node> needNodes) {}

  Read read(String id, NodeTuple tuple) {
    Node keyNode = tuple.getKeyNode();
    if (!ID.matcher(id).matches()) {
      report.error(
          keyNode,
          "job id '"
              + id
              + "' is invalid; use letters, digits, '_' and '-', starting with a letter or '_'");
    }
    String place = "job '" + id + "'";
    Map<String, NodeTuple> e = fields.map(tuple.getValueNode(), "jobs." + id, place, ALL_KEYS);
    if (e == null) {
      return null;
    }
    boolean callsWorkflow = e.containsKey("uses");
    JobCall call = null;
    if (callsWorkflow) {
      e.forEach(
          (key, entry) -> {
            if (!CALL_KEYS.contains(key)) {
              report.error(
                  entry.getKeyNode(),
                  "'"
                      + key
                      + "' cannot go with 'uses' in job '"
                      + id
                      + "': a job that calls a reusable workflow takes only "
                      + String.join(", ", CALL_KEYS));
            }
          });
      call = new WorkflowCallReader(fields).call(id, e);
    } else {
      for (String key : List.of("with", "secrets")) {
        if (e.containsKey(key)) {
          report.error(
              e.get(key).getKeyNode(),
              "'"
                  + key
                  + "' of job '"
                  + id
                  + "' passes "
                  + (key.equals("with") ? "inputs" : "secrets")
                  + " to a reusable workflow, but the job has no 'uses'; add uses:"
                  + " ./.github/workflows/FILE.yml or move it to a step");
        }
      }
    }

    String name =
        e.containsKey("name") ? fields.template(value(e, "name"), "name", Contexts.JOB) : null;
    Map<String, Node> needNodes = e.containsKey("needs") ? needs(value(e, "needs")) : Map.of();
    String condition =
        e.containsKey("if") ? fields.condition(value(e, "if"), "if", Contexts.JOB_IF) : null;
    Map<String, String> env =
        e.containsKey("env")
            ? fields.stringMap(value(e, "env"), "env", Contexts.JOB_ENV)
            : Map.of();
    Map<String, String> outputs =
        e.containsKey("outputs")
            ? fields.stringMap(value(e, "outputs"), "outputs", Contexts.STEP)
            : Map.of();
    String timeout =
        e.containsKey("timeout-minutes")
            ? fields.positiveNumber(value(e, "timeout-minutes"), "timeout-minutes", Contexts.JOB)
            : null;
    String continueOnError =
        e.containsKey("continue-on-error")
            ? fields.bool(value(e, "continue-on-error"), "continue-on-error", Contexts.JOB)
            : null;
    Strategy strategy =
        e.containsKey("strategy") ? new StrategyReader(fields).read(value(e, "strategy")) : null;
    RunDefaults defaults =
        e.containsKey("defaults")
            ? fields.defaults(value(e, "defaults"), "defaults", Contexts.JOB_DEFAULTS_RUN)
            : RunDefaults.NONE;
    Concurrency concurrency =
        e.containsKey("concurrency")
            ? fields.concurrency(value(e, "concurrency"), Contexts.JOB_CONCURRENCY)
            : null;
    String environment = e.containsKey("environment") ? environment(value(e, "environment")) : null;
    String runsOn = e.containsKey("runs-on") ? render(value(e, "runs-on")) : null;
    ContainerReader containers = new ContainerReader(fields, id);
    ContainerSpec container =
        e.containsKey("container") ? containers.container(value(e, "container")) : null;
    Map<String, ContainerSpec> services =
        e.containsKey("services") ? containers.services(value(e, "services")) : Map.of();
    List<Step> steps = List.of();
    if (e.containsKey("steps")) {
      steps = steps(value(e, "steps"), id, env);
    } else if (!callsWorkflow && !Fields.misspelt(tuple.getValueNode(), "steps", ALL_KEYS)) {
      report.error(
          keyNode, place + " has no 'steps'; add steps: with at least one run: or uses: step");
    }
    Job job =
        new Job(
            id,
            name,
            List.copyOf(needNodes.keySet()),
            condition,
            env,
            outputs,
            timeout,
            continueOnError,
            strategy,
            defaults,
            concurrency,
            environment,
            runsOn,
            container,
            services,
            steps,
            report.at(keyNode),
            call);
    return new Read(job, needNodes);
  }

  private static Node value(Map<String, NodeTuple> entries, String key) {
    return entries.get(key).getValueNode();
  }

  private Map<String, Node> needs(Node node) {
    Map<String, Node> needs = new LinkedHashMap<>();
    List<String> ids = fields.stringList(node, "needs");
    if (ids == null) {
      return needs;
    }
    List<Node> nodes = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
    for (Node item : nodes) {
      if (item instanceof ScalarNode scalar && !Fields.isNull(scalar)) {
        needs.putIfAbsent(scalar.getValue(), item);
      }
    }
    return Collections.unmodifiableMap(needs);
  }

  private String environment(Node node) {
    if (node instanceof MappingNode) {
      Map<String, NodeTuple> e =
          fields.map(node, "environment", "'environment'", List.of("name", "url"));
      if (e == null) {
        return null;
      }
      if (e.containsKey("url")) {
        fields.template(value(e, "url"), "environment.url", Contexts.ENVIRONMENT_URL);
      }
      if (!e.containsKey("name")) {
        report.error(node, "'environment' needs a 'name', e.g. environment: { name: production }");
        return null;
      }
      return fields.template(value(e, "name"), "environment.name", Contexts.JOB);
    }
    return fields.template(node, "environment", Contexts.JOB);
  }

  private List<Step> steps(Node node, String jobId, Map<String, String> jobEnv) {
    if (!(node instanceof SequenceNode sequence)) {
      report.error(
          node,
          "'steps' of job '" + jobId + "' must be a list of steps, got " + Fields.describe(node));
      return List.of();
    }
    if (sequence.getValue().isEmpty()) {
      report.error(node, "job '" + jobId + "' has no steps; add at least one run: or uses: step");
    }
    StepReader reader = new StepReader(fields, injection, actions);
    List<Step> steps = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    for (Node item : sequence.getValue()) {
      Step step = reader.read(item);
      if (step != null) {
        steps.add(step);
        nodes.add(item);
      }
    }
    StepInputChecks.check(report, actions, workflowEnv, jobEnv, steps, nodes);
    return List.copyOf(steps);
  }

  /** {@code runs-on} as text: a scalar as written, a list or map in flow style. */
  static String render(Node node) {
    if (node instanceof ScalarNode scalar) {
      return Fields.isNull(scalar) ? "" : scalar.getValue();
    }
    if (node instanceof SequenceNode sequence) {
      return sequence.getValue().stream()
          .map(JobReader::render)
          .collect(Collectors.joining(", ", "[", "]"));
    }
    return ((MappingNode) node)
        .getValue().stream()
            .map(t -> render(t.getKeyNode()) + ": " + render(t.getValueNode()))
            .collect(Collectors.joining(", ", "{", "}"));
  }
}
