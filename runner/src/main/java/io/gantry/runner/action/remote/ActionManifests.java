package io.gantry.runner.action.remote;

import io.gantry.runner.workflow.Location;
import io.gantry.runner.workflow.Problem;
import io.gantry.runner.workflow.YamlReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads {@code action.yml} (or {@code action.yaml}) with the workflow parser's YAML 1.2 reader, so
 * its problems carry {@code file:line:column} the same way. Every problem is collected; the
 * exception's message lists them all, one per line.
 */
public final class ActionManifests {

  private ActionManifests() {}

  /**
   * The manifest in {@code directory}.
   *
   * @param displayPrefix how messages name the action ({@code actions/cache@v4}, {@code
   *     ./.github/actions/build})
   * @param subPath the action's folder inside its repository ("" for the root), for messages
   */
  public static ActionManifest read(Path directory, String displayPrefix, String subPath)
      throws ActionFetchException {
    Path file = directory.resolve("action.yml");
    if (!Files.isRegularFile(file)) {
      file = directory.resolve("action.yaml");
    }
    if (!Files.isRegularFile(file)) {
      throw new ActionFetchException(
          displayPrefix
              + " has no action.yml or action.yaml"
              + (subPath.isEmpty() ? " at the repository's root" : " in '" + subPath + "'")
              + "; check the path after OWNER/REPO");
    }
    String display = displayPrefix + "/" + file.getFileName();
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), display);
    } catch (IOException e) {
      throw new ActionFetchException("cannot read " + display + ": " + e.getMessage(), e);
    }
  }

  /** Parses the text of a manifest; {@code display} names it in messages. */
  public static ActionManifest parse(String text, String display) throws ActionFetchException {
    List<Problem> problems = new ArrayList<>();
    Optional<Node> root = YamlReader.read(text, display, problems);
    ActionManifest manifest = null;
    if (root.isPresent()) {
      manifest = new Reader(display, problems).manifest(root.get());
    } else if (problems.isEmpty()) {
      problems.add(new Problem(Location.of(display), Problem.Severity.ERROR, "the file is empty"));
    }
    List<Problem> errors =
        problems.stream().filter(p -> p.severity() == Problem.Severity.ERROR).toList();
    if (!errors.isEmpty() || manifest == null) {
      StringBuilder message = new StringBuilder();
      for (Problem p : errors) {
        message.append(message.length() == 0 ? "" : "\n").append(p);
      }
      throw new ActionFetchException(message.toString());
    }
    return manifest;
  }

  /** Walks the node tree, adding a problem for each thing that is wrong. */
  private static final class Reader {
    private final String display;
    private final List<Problem> problems;

    Reader(String display, List<Problem> problems) {
      this.display = display;
      this.problems = problems;
    }

    ActionManifest manifest(Node root) {
      Map<String, Node> top = mapping(root, "the file");
      if (top == null) {
        return null;
      }
      Map<String, ActionManifest.Input> inputs = new LinkedHashMap<>();
      Node inputsNode = top.get("inputs");
      if (inputsNode != null && !isNull(inputsNode)) {
        Map<String, Node> byName = mapping(inputsNode, "inputs");
        if (byName != null) {
          byName.forEach((name, node) -> inputs.put(name, input(name, node)));
        }
      }
      Map<String, ActionManifest.Output> outputs = new LinkedHashMap<>();
      Node outputsNode = top.get("outputs");
      if (outputsNode != null && !isNull(outputsNode)) {
        Map<String, Node> byName = mapping(outputsNode, "outputs");
        if (byName != null) {
          byName.forEach(
              (name, node) -> {
                Map<String, Node> fields =
                    isNull(node) ? Map.of() : mapping(node, "outputs." + name);
                if (fields != null) {
                  outputs.put(
                      name,
                      new ActionManifest.Output(
                          scalar(fields.get("description")), scalar(fields.get("value"))));
                }
              });
        }
      }
      Node runsNode = top.get("runs");
      ActionManifest.Runs runs = null;
      if (runsNode == null) {
        problems.add(error(root, "'runs' is missing; an action says how it runs with runs.using"));
      } else {
        runs = runs(runsNode);
      }
      if (runs == null) {
        return null;
      }
      return new ActionManifest(
          display, scalar(top.get("name")), scalar(top.get("description")), inputs, outputs, runs);
    }

    private ActionManifest.Input input(String name, Node node) {
      Map<String, Node> fields = isNull(node) ? Map.of() : mapping(node, "inputs." + name);
      if (fields == null) {
        return new ActionManifest.Input(null, false, null, null);
      }
      Node required = fields.get("required");
      boolean isRequired = false;
      if (required != null) {
        String value = scalar(required);
        // GitHub only warns about odd values here; 'true' in any case means required.
        isRequired = value != null && value.equalsIgnoreCase("true");
      }
      return new ActionManifest.Input(
          scalar(fields.get("description")),
          isRequired,
          scalar(fields.get("default")),
          scalar(fields.get("deprecationMessage")));
    }

    private ActionManifest.Runs runs(Node node) {
      Map<String, Node> fields = mapping(node, "runs");
      if (fields == null) {
        return null;
      }
      Node usingNode = fields.get("using");
      String using = scalar(usingNode);
      if (using == null) {
        problems.add(error(node, "runs.using is missing; use node20, node24, composite or docker"));
        return null;
      }
      String lower = using.toLowerCase(java.util.Locale.ROOT);
      switch (lower) {
        case "node12", "node16", "node20", "node24" -> {
          String main = scalar(fields.get("main"));
          if (main == null) {
            problems.add(
                error(node, "runs.main is missing; a " + lower + " action names its script"));
            return null;
          }
          return new ActionManifest.NodeRuns(
              Integer.parseInt(lower.substring(4)),
              main,
              scalar(fields.get("pre")),
              orDefault(scalar(fields.get("pre-if")), "always()"),
              scalar(fields.get("post")),
              orDefault(scalar(fields.get("post-if")), "always()"));
        }
        case "composite" -> {
          Node stepsNode = fields.get("steps");
          if (!(stepsNode instanceof SequenceNode seq)) {
            problems.add(
                error(stepsNode != null ? stepsNode : node, "runs.steps must be a list of steps"));
            return null;
          }
          List<ActionManifest.CompositeStep> steps = new ArrayList<>();
          for (Node step : seq.getValue()) {
            Object data = plain(step);
            if (data instanceof Map<?, ?> map) {
              @SuppressWarnings("unchecked")
              Map<String, Object> fieldsOfStep = (Map<String, Object>) map;
              steps.add(new ActionManifest.CompositeStep(fieldsOfStep, at(step)));
            } else {
              problems.add(error(step, "a step of runs.steps must be a mapping"));
            }
          }
          return new ActionManifest.CompositeRuns(steps);
        }
        case "docker" -> {
          String image = scalar(fields.get("image"));
          if (image == null) {
            problems.add(
                error(node, "runs.image is missing; give docker://IMAGE or a Dockerfile path"));
            return null;
          }
          List<String> args = new ArrayList<>();
          Node argsNode = fields.get("args");
          if (argsNode instanceof SequenceNode seq) {
            for (Node arg : seq.getValue()) {
              args.add(orDefault(scalar(arg), ""));
            }
          } else if (argsNode != null && !isNull(argsNode)) {
            problems.add(error(argsNode, "runs.args must be a list"));
          }
          Map<String, String> env = new LinkedHashMap<>();
          Node envNode = fields.get("env");
          if (envNode != null && !isNull(envNode)) {
            Map<String, Node> vars = mapping(envNode, "runs.env");
            if (vars != null) {
              vars.forEach((k, v) -> env.put(k, orDefault(scalar(v), "")));
            }
          }
          return new ActionManifest.DockerRuns(
              image,
              scalar(fields.get("entrypoint")),
              args,
              env,
              scalar(fields.get("pre-entrypoint")),
              scalar(fields.get("post-entrypoint")));
        }
        default -> {
          problems.add(
              error(
                  usingNode,
                  "runs.using '"
                      + using
                      + "' is not something Gantry can run; use node12, node16, node20, node24,"
                      + " composite or docker"));
          return null;
        }
      }
    }

    private Map<String, Node> mapping(Node node, String what) {
      if (!(node instanceof MappingNode m)) {
        problems.add(error(node, what + " must be a mapping"));
        return null;
      }
      Map<String, Node> fields = new LinkedHashMap<>();
      for (NodeTuple tuple : m.getValue()) {
        String key = scalar(tuple.getKeyNode());
        if (key == null) {
          problems.add(error(tuple.getKeyNode(), "a key of " + what + " must be a string"));
        } else if (fields.putIfAbsent(key, tuple.getValueNode()) != null) {
          problems.add(error(tuple.getKeyNode(), "'" + key + "' is given twice in " + what));
        }
      }
      return fields;
    }

    private String scalar(Node node) {
      if (node == null || isNull(node)) {
        return null;
      }
      if (node instanceof ScalarNode s) {
        return s.getValue();
      }
      problems.add(error(node, "expected a single value here"));
      return null;
    }

    private Object plain(Node node) {
      if (node instanceof ScalarNode s) {
        return isNull(node) ? null : s.getValue();
      }
      if (node instanceof SequenceNode seq) {
        List<Object> list = new ArrayList<>();
        seq.getValue().forEach(n -> list.add(plain(n)));
        return list;
      }
      Map<String, Object> map = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        map.put(String.valueOf(plain(tuple.getKeyNode())), plain(tuple.getValueNode()));
      }
      return map;
    }

    private static boolean isNull(Node node) {
      return node instanceof ScalarNode s && s.getTag().getValue().endsWith(":null");
    }

    private Location at(Node node) {
      return YamlReader.at(node, display);
    }

    private Problem error(Node node, String message) {
      return new Problem(at(node), Problem.Severity.ERROR, message);
    }

    private static String orDefault(String value, String fallback) {
      return value != null ? value : fallback;
    }
  }
}
