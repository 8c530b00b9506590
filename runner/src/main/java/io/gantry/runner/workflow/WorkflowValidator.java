package io.gantry.runner.workflow;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Builds a {@link Workflow} from the node tree, validating as it goes: every problem is collected
 * in the {@link Report}, and reading carries on past each one.
 */
final class WorkflowValidator {

  static final List<String> KEYS =
      List.of("name", "run-name", "on", "env", "defaults", "concurrency", "jobs", "permissions");

  private final ActionCatalog actions;

  WorkflowValidator(ActionCatalog actions) {
    this.actions = actions;
  }

  /** The workflow, or null when the report holds errors. */
  Workflow validate(String source, Path file, Report report) {
    Optional<Node> root = YamlReader.read(source, report);
    if (report.hasErrors()) {
      return null;
    }
    if (root.isEmpty()) {
      report.error(
          Location.of(report.displayName()),
          "the workflow file is empty; it needs at least 'on:' and 'jobs:'");
      return null;
    }
    Node node = root.get();
    if (!(node instanceof MappingNode)) {
      report.error(
          node, "a workflow must be a map with 'on:' and 'jobs:', got " + Fields.describe(node));
      return null;
    }
    ScalarPositions positions = new ScalarPositions(report.displayName(), source);
    TemplateChecker templates = new TemplateChecker(report, positions);
    Fields fields = new Fields(report, templates);
    InjectionRule injection = new InjectionRule(report, templates);

    Map<String, NodeTuple> e = fields.map(node, "workflow", "the workflow", KEYS);
    String name = e.containsKey("name") ? fields.string(value(e, "name"), "name") : null;
    String runName =
        e.containsKey("run-name")
            ? fields.template(value(e, "run-name"), "run-name", Contexts.RUN_NAME)
            : null;
    Triggers on = new Triggers(null, null, Collections.emptySet());
    WorkflowCall call = null;
    if (e.containsKey("on")) {
      on = new TriggersReader(fields).read(value(e, "on"));
      call = new WorkflowCallReader(fields).read(value(e, "on"));
    } else if (!Fields.misspelt(node, "on", KEYS)) {
      report.error(node, "the workflow has no 'on:'; add the events to run on, e.g. on: push");
    }
    Map<String, String> env =
        e.containsKey("env")
            ? fields.stringMap(value(e, "env"), "env", Contexts.WORKFLOW_ENV)
            : Map.of();
    RunDefaults defaults =
        e.containsKey("defaults")
            ? fields.defaults(value(e, "defaults"), "defaults", Contexts.WORKFLOW_DEFAULTS_RUN)
            : RunDefaults.NONE;
    Concurrency concurrency =
        e.containsKey("concurrency")
            ? fields.concurrency(value(e, "concurrency"), Contexts.WORKFLOW_CONCURRENCY)
            : null;
    Map<String, Job> jobs = new LinkedHashMap<>();
    if (e.containsKey("jobs")) {
      jobs = jobs(value(e, "jobs"), fields, injection, report, env.keySet());
    } else if (!Fields.misspelt(node, "jobs", KEYS)) {
      report.error(node, "the workflow has no 'jobs:'; add at least one job with steps");
    }
    if (report.hasErrors()) {
      return null;
    }
    return new Workflow(
        file,
        name != null ? name : report.displayName(),
        runName,
        on,
        env,
        defaults,
        concurrency,
        Collections.unmodifiableMap(jobs),
        source,
        report.warnings(),
        call);
  }

  private static Node value(Map<String, NodeTuple> entries, String key) {
    return entries.get(key).getValueNode();
  }

  private Map<String, Job> jobs(
      Node node,
      Fields fields,
      InjectionRule injection,
      Report report,
      java.util.Set<String> workflowEnv) {
    Map<String, Job> jobs = new LinkedHashMap<>();
    Map<String, NodeTuple> entries = fields.map(node, "jobs", "'jobs'", null);
    if (entries == null) {
      return jobs;
    }
    if (entries.isEmpty()) {
      report.error(node, "'jobs' is empty; add at least one job with steps");
    }
    JobReader reader = new JobReader(fields, injection, actions, workflowEnv);
    Map<String, JobReader.Read> reads = new LinkedHashMap<>();
    Map<String, Node> keys = new LinkedHashMap<>();
    entries.forEach(
        (id, tuple) -> {
          keys.put(id, tuple.getKeyNode());
          JobReader.Read read = reader.read(id, tuple);
          if (read != null) {
            reads.put(id, read);
            jobs.put(id, read.job());
          }
        });
    new NeedsGraph(report, reads, keys).check();
    return jobs;
  }
}
