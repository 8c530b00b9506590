package io.gantry.runner.workflow;

import io.gantry.runner.cron.Cron;
import io.gantry.runner.cron.CronException;
import io.gantry.runner.suggest.Suggestions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads {@code on:}. Gantry runs {@code push}, {@code pull_request}, {@code pull_request_target},
 * {@code schedule} (each cron line checked here, its wrong field pointed at by column), {@code
 * workflow_run}, {@code repository_dispatch} and {@code workflow_dispatch}; any other GitHub event
 * is kept in {@link Triggers#events()} with a warning, and a name GitHub does not know is an error.
 */
final class TriggersReader {

  static final String PUSH = "push";
  static final String DISPATCH = "workflow_dispatch";
  static final String SCHEDULE = "schedule";

  private static final List<String> PULL_REQUEST_KEYS =
      List.of("types", "branches", "branches-ignore", "paths", "paths-ignore");

  /** GitHub's activity types of {@code pull_request} and {@code pull_request_target}. */
  static final List<String> PULL_REQUEST_TYPES = EventTrigger.PULL_REQUEST_TYPES;

  /** The other events Gantry runs on, with the filter keys each takes. */
  static final Map<String, List<String>> FILTERED_EVENTS =
      Map.of(
          "repository_dispatch",
          List.of("types"),
          "workflow_run",
          List.of("types", "workflows", "branches", "branches-ignore"),
          "pull_request",
          PULL_REQUEST_KEYS,
          "pull_request_target",
          PULL_REQUEST_KEYS);

  /** The events Gantry runs on. */
  private static final Set<String> RUN_EVENTS =
      Set.of(
          PUSH,
          DISPATCH,
          SCHEDULE,
          "repository_dispatch",
          "workflow_run",
          "pull_request",
          "pull_request_target");

  /** Every event a GitHub workflow can name. */
  static final List<String> GITHUB_EVENTS =
      List.of(
          "branch_protection_rule",
          "check_run",
          "check_suite",
          "create",
          "delete",
          "deployment",
          "deployment_status",
          "discussion",
          "discussion_comment",
          "fork",
          "gollum",
          "issue_comment",
          "issues",
          "label",
          "merge_group",
          "milestone",
          "page_build",
          "project",
          "project_card",
          "project_column",
          "public",
          "pull_request",
          "pull_request_review",
          "pull_request_review_comment",
          "pull_request_target",
          "push",
          "registry_package",
          "release",
          "repository_dispatch",
          "schedule",
          "status",
          "watch",
          "workflow_call",
          "workflow_dispatch",
          "workflow_run");

  private static final List<String> PUSH_KEYS =
      List.of("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore");
  private static final List<String> INPUT_KEYS =
      List.of("description", "required", "type", "default", "options");
  static final List<String> INPUT_TYPES =
      List.of("string", "boolean", "number", "choice", "environment");

  private final Fields fields;
  private final Report report;

  TriggersReader(Fields fields) {
    this.fields = fields;
    this.report = fields.report;
  }

  Triggers read(Node on) {
    Set<String> events = new LinkedHashSet<>();
    PushTrigger push = null;
    DispatchTrigger dispatch = null;
    List<Cron> schedules = new ArrayList<>();
    Map<String, EventTrigger> filters = new LinkedHashMap<>();
    if (on instanceof MappingNode) {
      Map<String, NodeTuple> entries = fields.map(on, "on", "'on'", null);
      for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
        String event = e.getKey();
        Node value = e.getValue().getValueNode();
        if (!checkEvent(event, e.getValue().getKeyNode())) {
          continue;
        }
        events.add(event);
        if (event.equals(PUSH)) {
          push = push(value);
        } else if (event.equals(DISPATCH)) {
          dispatch = dispatch(value);
        } else if (event.equals(SCHEDULE)) {
          schedules.addAll(schedules(value));
        } else if (FILTERED_EVENTS.containsKey(event)) {
          filters.put(event, filtered(event, value, e.getValue().getKeyNode()));
        }
      }
    } else if (on instanceof SequenceNode || (on instanceof ScalarNode && !Fields.isNull(on))) {
      List<String> names = fields.stringList(on, "on");
      List<Node> nodes = on instanceof SequenceNode seq ? seq.getValue() : List.of(on);
      for (int i = 0; names != null && i < names.size(); i++) {
        String event = names.get(i);
        if (checkEvent(event, nodes.get(i))) {
          events.add(event);
          if (FILTERED_EVENTS.containsKey(event)) {
            filtered(event, null, nodes.get(i));
            filters.put(event, EventTrigger.any());
          }
          if (event.equals(SCHEDULE)) {
            report.warning(
                nodes.get(i),
                "'schedule' without cron lines never runs; write on: { schedule: [ { cron: '0 0 * *"
                    + " *' } ] }");
          }
        }
      }
      push = events.contains(PUSH) ? PushTrigger.any() : null;
      dispatch = events.contains(DISPATCH) ? new DispatchTrigger(Map.of()) : null;
    } else {
      report.error(on, "'on' must name the events to run on, e.g. on: push");
    }
    return new Triggers(push, dispatch, Collections.unmodifiableSet(events), schedules, filters);
  }

  /** Whether the event is a GitHub event; warns when Gantry does not run on it. */
  private boolean checkEvent(String event, Node node) {
    if (!GITHUB_EVENTS.contains(event)) {
      report.error(
          node,
          "unknown event '"
              + event
              + "' in 'on'"
              + Suggestions.hint(event, GITHUB_EVENTS, "events"));
      return false;
    }
    if (!RUN_EVENTS.contains(event)) {
      report.warning(
          node,
          "Gantry does not trigger on '"
              + event
              + "'; this workflow runs only on push, pull_request, pull_request_target, schedule,"
              + " workflow_run, repository_dispatch and workflow_dispatch (gantry run)");
    }
    return true;
  }

  private PushTrigger push(Node node) {
    if (Fields.isNull(node)) {
      return PushTrigger.any();
    }
    Map<String, NodeTuple> entries = fields.map(node, "on.push", "'on.push'", PUSH_KEYS);
    if (entries == null) {
      return PushTrigger.any();
    }
    exclusive(entries, "branches");
    exclusive(entries, "tags");
    exclusive(entries, "paths");
    return new PushTrigger(
        patterns(entries, "branches"),
        patterns(entries, "branches-ignore"),
        patterns(entries, "tags"),
        patterns(entries, "tags-ignore"),
        patterns(entries, "paths"),
        patterns(entries, "paths-ignore"));
  }

  private void exclusive(Map<String, NodeTuple> entries, String filter) {
    String ignore = filter + "-ignore";
    if (entries.containsKey(filter) && entries.containsKey(ignore)) {
      report.error(
          entries.get(ignore).getKeyNode(),
          "'"
              + filter
              + "' and '"
              + ignore
              + "' cannot both be used for the same event; use '"
              + filter
              + "' with '!' patterns to exclude");
    }
  }

  private List<String> patterns(Map<String, NodeTuple> entries, String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      return null;
    }
    if (Fields.isNull(tuple.getValueNode())) {
      return List.of();
    }
    return fields.stringList(tuple.getValueNode(), "on.push." + key);
  }

  /** {@code on.schedule}: a list of {@code - cron: '...'}, each line checked field by field. */
  private List<Cron> schedules(Node node) {
    List<Cron> crons = new ArrayList<>();
    if (!(node instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      report.error(
          node,
          "'on.schedule' must be a list of cron lines, e.g. schedule: [ { cron: '0 0 * * *' } ]");
      return crons;
    }
    for (Node item : seq.getValue()) {
      Map<String, NodeTuple> entries =
          fields.map(item, "on.schedule", "a schedule", List.of("cron"));
      if (entries == null) {
        continue;
      }
      NodeTuple cron = entries.get("cron");
      if (cron == null) {
        report.error(item, "a schedule needs 'cron', e.g. - cron: '*/15 * * * *'");
        continue;
      }
      ScalarNode scalar = fields.scalar(cron.getValueNode(), "cron", "a cron line in quotes");
      if (scalar == null) {
        continue;
      }
      try {
        crons.add(Cron.parse(scalar.getValue()));
      } catch (CronException e) {
        Location at = report.at(scalar);
        int quote = scalar.getScalarStyle() == ScalarStyle.PLAIN ? 0 : 1;
        int column = at.line() > 0 ? at.column() + quote + e.offset() : 0;
        report.error(
            new Location(at.file(), at.line(), column),
            "cron '" + scalar.getValue() + "': " + e.getMessage());
      }
    }
    return crons;
  }

  /** {@code repository_dispatch:}, {@code workflow_run:}, {@code pull_request[_target]:}. */
  private EventTrigger filtered(String event, Node node, Node keyNode) {
    Map<String, NodeTuple> entries =
        node == null || Fields.isNull(node)
            ? Map.of()
            : fields.map(node, "on." + event, "'on." + event + "'", FILTERED_EVENTS.get(event));
    if (entries == null) {
      return EventTrigger.any();
    }
    if (event.equals("workflow_run") && !entries.containsKey("workflows")) {
      report.error(
          keyNode,
          "'workflow_run' needs 'workflows', the names of the workflows it follows, e.g."
              + " workflow_run: { workflows: [ci], types: [completed] }");
    }
    exclusive(entries, "branches");
    exclusive(entries, "paths");
    if (event.startsWith("pull_request") && entries.containsKey("types")) {
      checkTypes(event, entries.get("types").getValueNode());
    }
    return new EventTrigger(
        list(entries, event, "types"),
        list(entries, event, "workflows"),
        list(entries, event, "branches"),
        list(entries, event, "branches-ignore"),
        list(entries, event, "paths"),
        list(entries, event, "paths-ignore"));
  }

  /** Each of {@code on.pull_request.types} must be one of GitHub's activity types. */
  private void checkTypes(String event, Node types) {
    List<Node> items = types instanceof SequenceNode seq ? seq.getValue() : List.of(types);
    for (Node item : items) {
      if (item instanceof ScalarNode scalar
          && !Fields.isNull(scalar)
          && !PULL_REQUEST_TYPES.contains(scalar.getValue())) {
        report.error(
            item,
            "unknown activity type '"
                + scalar.getValue()
                + "' of '"
                + event
                + "'"
                + Suggestions.hint(scalar.getValue(), PULL_REQUEST_TYPES, "types"));
      }
    }
  }

  private List<String> list(Map<String, NodeTuple> entries, String event, String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      return null;
    }
    if (Fields.isNull(tuple.getValueNode())) {
      return List.of();
    }
    return fields.stringList(tuple.getValueNode(), "on." + event + "." + key);
  }

  private DispatchTrigger dispatch(Node node) {
    Map<String, InputSpec> inputs = new LinkedHashMap<>();
    if (!Fields.isNull(node)) {
      Map<String, NodeTuple> entries =
          fields.map(node, "on.workflow_dispatch", "'on.workflow_dispatch'", List.of("inputs"));
      NodeTuple inputsTuple = entries == null ? null : entries.get("inputs");
      if (inputsTuple != null && !Fields.isNull(inputsTuple.getValueNode())) {
        Map<String, NodeTuple> specs =
            fields.map(inputsTuple.getValueNode(), "inputs", "'workflow_dispatch.inputs'", null);
        if (specs != null) {
          specs.forEach(
              (name, tuple) -> {
                InputSpec spec = input(name, tuple);
                if (spec != null) {
                  inputs.put(name, spec);
                }
              });
        }
      }
    }
    return new DispatchTrigger(Collections.unmodifiableMap(inputs));
  }

  InputSpec input(String name, NodeTuple tuple) {
    if (!JobReader.ID.matcher(name).matches()) {
      report.error(
          tuple.getKeyNode(),
          "input name '"
              + name
              + "' is invalid; use letters, digits, '_' and '-', starting with a letter or '_'");
    }
    Node node = tuple.getValueNode();
    String where = "input '" + name + "'";
    Map<String, NodeTuple> e =
        Fields.isNull(node) ? Map.of() : fields.map(node, "inputs." + name, where, INPUT_KEYS);
    if (e == null) {
      return null;
    }
    String description =
        e.containsKey("description")
            ? fields.string(e.get("description").getValueNode(), "description")
            : null;
    boolean required = false;
    if (e.containsKey("required")) {
      Node r = e.get("required").getValueNode();
      if (r instanceof ScalarNode && r.getTag().equals(Tag.BOOL)) {
        required = Boolean.parseBoolean(((ScalarNode) r).getValue().toLowerCase(Locale.ROOT));
      } else {
        report.error(
            r, "'required' of " + where + " must be true or false, got " + Fields.describe(r));
      }
    }
    String type = "string";
    if (e.containsKey("type")) {
      Node t = e.get("type").getValueNode();
      String written = fields.string(t, "type");
      if (written != null && INPUT_TYPES.contains(written)) {
        type = written;
      } else if (written != null) {
        report.error(
            t,
            "unknown type '"
                + written
                + "' of "
                + where
                + Suggestions.hint(written, INPUT_TYPES, "types"));
      }
    }
    List<String> options = List.of();
    NodeTuple optionsTuple = e.get("options");
    if (optionsTuple != null) {
      if (!type.equals("choice")) {
        report.error(
            optionsTuple.getKeyNode(),
            "'options' is only for inputs of type: choice; remove it or set type: choice on "
                + where);
      } else {
        List<String> read = fields.stringList(optionsTuple.getValueNode(), "options");
        options = read == null ? List.of() : read;
        if (read != null && read.isEmpty()) {
          report.error(optionsTuple.getValueNode(), "'options' of " + where + " must not be empty");
        }
      }
    } else if (type.equals("choice")) {
      report.error(
          tuple.getKeyNode(),
          where + " has type: choice but no 'options'; list the allowed values under options:");
    }
    String defaultValue = null;
    NodeTuple defaultTuple = e.get("default");
    if (defaultTuple != null) {
      Node d = defaultTuple.getValueNode();
      ScalarNode scalar = fields.scalar(d, "default", "a string, number or boolean");
      if (scalar != null && !Fields.isNull(scalar)) {
        defaultValue = scalar.getValue();
        checkDefault(where, type, options, optionsTuple != null, scalar);
      }
    }
    return new InputSpec(
        name, description, required, type, defaultValue, options, report.at(tuple.getKeyNode()));
  }

  private void checkDefault(
      String where, String type, List<String> options, boolean hasOptions, ScalarNode d) {
    String value = d.getValue();
    switch (type) {
      case "boolean" -> {
        if (!d.getTag().equals(Tag.BOOL) && !value.equals("true") && !value.equals("false")) {
          report.error(
              d, "default of boolean " + where + " must be true or false, got '" + value + "'");
        }
      }
      case "number" -> {
        try {
          Double.parseDouble(value);
        } catch (NumberFormatException ex) {
          report.error(d, "default of number " + where + " must be a number, got '" + value + "'");
        }
      }
      case "choice" -> {
        if (hasOptions && !options.isEmpty() && !options.contains(value)) {
          report.error(
              d,
              "default '"
                  + value
                  + "' of "
                  + where
                  + " is not one of its options: "
                  + String.join(", ", options));
        }
      }
      default -> {}
    }
  }
}
