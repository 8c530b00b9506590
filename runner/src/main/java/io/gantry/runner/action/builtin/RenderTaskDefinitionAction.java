package io.gantry.runner.action.builtin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.StepInputs;
import io.gantry.runner.deploy.taskdef.TaskDefinitionShape;
import io.gantry.runner.deploy.taskdef.TaskDefinitionTemplate;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.ecs.model.LogDriver;

/**
 * {@code aws-actions/amazon-ecs-render-task-definition}: renders a task definition file for a
 * deploy, writing the result to a new file whose path is the output {@code task-definition}.
 *
 * <p>In order: the file ({@code task-definition}, relative to the workspace) has its {@code
 * ${NAME}} / {@code ${NAME:-default}} references substituted from the step's environment ({@link
 * TaskDefinitionTemplate}); it is parsed (duplicate keys are an error); the {@code
 * {"taskDefinition": {...}}} wrapper that {@code aws ecs describe-task-definition} prints is
 * unwrapped (its {@code tags}, when the definition has none, are kept); the read-only fields of
 * that output are dropped; what remains is checked against RegisterTaskDefinition's shape ({@link
 * TaskDefinitionShape}); then, as the original does, the container named {@code container-name}
 * gets the {@code image}, and the optional inputs are merged into it. The result is written
 * pretty-printed to a new file {@code task-definition-*.json} in {@code RUNNER_TEMP} (readable by
 * the owner only: it may hold substituted secrets). Nothing is written when any step fails; the
 * failure is one line naming the file and every problem.
 *
 * <p>Differences from the original: {@code secrets} is applied whether or not {@code
 * environment-variables} is given; {@code docker-labels} and {@code log-configuration-options}
 * split at the first {@code =} (a value may hold {@code =}); fetching the definition from ECS
 * ({@code task-definition-arn}, {@code -family}, {@code -revision}) is not offered: save {@code aws
 * ecs describe-task-definition} output in the repository instead.
 */
final class RenderTaskDefinitionAction implements Action {

  static final String NAME = "aws-actions/amazon-ecs-render-task-definition";

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("task-definition", null);
    inputs.put("container-name", null);
    inputs.put("image", null);
    inputs.put("environment-variables", null);
    inputs.put("env-files", null);
    inputs.put("secrets", null);
    inputs.put("docker-labels", null);
    inputs.put("log-configuration-log-driver", null);
    inputs.put("log-configuration-options", null);
    inputs.put("command", null);
    inputs.put("task-role-arn", null);
    inputs.put("execution-role-arn", null);
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("task-definition", "container-name", "image");
  }

  @Override
  public ActionResult run(ActionContext context) {
    try {
      render(context, new StepInputs(context.inputs()));
      return ActionResult.ok();
    } catch (AwsProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
  }

  private static void render(ActionContext context, StepInputs in) throws AwsProblem {
    String file = nonEmpty(in, "task-definition");
    String containerName = nonEmpty(in, "container-name");
    String image = nonEmpty(in, "image");

    TaskDefinitionTemplate.Rendered rendered =
        TaskDefinitionTemplate.render(read(context.workspace(), file), file, context.env());
    ObjectNode definition = parse(rendered.json(), file);
    List<String> dropped = new ArrayList<>();
    for (String field : TaskDefinitionShape.READ_ONLY) {
      if (definition.remove(field) != null) {
        dropped.add(field);
      }
    }
    List<String> problems = TaskDefinitionShape.check(definition);
    if (!problems.isEmpty()) {
      throw new AwsProblem(
          file + " does not fit ECS RegisterTaskDefinition: " + String.join("; ", problems));
    }

    ObjectNode container = container(definition, containerName, file);
    container.put("image", image);
    mergeNamed(container, "environment", "value", pairs(in, "environment-variables", "NAME=value"));
    mergeNamed(container, "secrets", "valueFrom", pairs(in, "secrets", "NAME=valueFrom"));
    environmentFiles(container, in);
    logConfiguration(container, in);
    Map<String, String> labels = pairs(in, "docker-labels", "key=value");
    if (!labels.isEmpty()) {
      ObjectNode target = objectField(container, "dockerLabels");
      labels.forEach(target::put);
    }
    command(container, in);
    if (!in.text("task-role-arn").isEmpty()) {
      definition.put("taskRoleArn", in.text("task-role-arn"));
    }
    if (!in.text("execution-role-arn").isEmpty()) {
      definition.put("executionRoleArn", in.text("execution-role-arn"));
    }

    Path output = write(context, definition);
    context.setOutput("task-definition", output.toString());
    context.log(
        "Rendered "
            + file
            + " (family "
            + definition.path("family").asText()
            + ") with container '"
            + containerName
            + "' on "
            + image
            + " to "
            + output);
    if (!rendered.fromEnv().isEmpty() || !rendered.fromDefaults().isEmpty()) {
      context.log(
          "Substituted from env: "
              + (rendered.fromEnv().isEmpty() ? "none" : String.join(", ", rendered.fromEnv()))
              + (rendered.fromDefaults().isEmpty()
                  ? ""
                  : "; defaults used for: " + String.join(", ", rendered.fromDefaults())));
    }
    if (!dropped.isEmpty()) {
      context.log(
          "Dropped read-only fields of describe-task-definition: " + String.join(", ", dropped));
    }
  }

  private static String nonEmpty(StepInputs in, String name) throws AwsProblem {
    String value = in.text(name);
    if (value.isEmpty()) {
      throw new AwsProblem("input '" + name + "' is empty");
    }
    return value;
  }

  private static String read(Path workspace, String file) throws AwsProblem {
    Path path = workspace.resolve(file);
    if (!Files.isRegularFile(path)) {
      throw new AwsProblem(
          "task definition file '"
              + file
              + "' not found in the workspace "
              + workspace
              + "; give its path relative to the workspace (check out the repository first)");
    }
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(Files.readAllBytes(path)))
              .toString();
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      throw new AwsProblem("task definition file '" + file + "' is not UTF-8 text");
    } catch (IOException e) {
      throw new AwsProblem("cannot read task definition file '" + file + "': " + e.getMessage());
    }
  }

  /** The task definition object, unwrapped from describe-task-definition's output. */
  private static ObjectNode parse(String json, String file) throws AwsProblem {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      var where = e.getLocation();
      throw new AwsProblem(
          file
              + (where == null ? "" : ":" + where.getLineNr() + ":" + where.getColumnNr())
              + ": not valid JSON: "
              + AwsFailures.oneLine(e.getOriginalMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new AwsProblem(
          file
              + ": expected a JSON object (a task definition, or the {\"taskDefinition\": {...}}"
              + " that aws ecs describe-task-definition prints), got "
              + (root == null ? "nothing" : TaskDefinitionShape.show(root)));
    }
    ObjectNode object = (ObjectNode) root;
    JsonNode inner = object.get("taskDefinition");
    if (inner != null && inner.isObject() && !object.has("containerDefinitions")) {
      ObjectNode definition = (ObjectNode) inner;
      JsonNode tags = object.get("tags");
      if (tags != null && tags.isArray() && !tags.isEmpty() && !definition.has("tags")) {
        definition.set("tags", tags);
      }
      for (var it = object.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!key.equals("taskDefinition") && !key.equals("tags")) {
          throw new AwsProblem(
              file
                  + ": $."
                  + key
                  + ": unknown field next to taskDefinition (describe-task-definition"
                  + " output has only taskDefinition and tags)");
        }
      }
      return definition;
    }
    return object;
  }

  private static ObjectNode container(ObjectNode definition, String name, String file)
      throws AwsProblem {
    List<String> names = new ArrayList<>();
    for (JsonNode container : definition.get("containerDefinitions")) {
      if (container.isObject() && name.equals(container.path("name").asText(null))) {
        return (ObjectNode) container;
      }
      names.add(container.path("name").isTextual() ? container.get("name").asText() : "(unnamed)");
    }
    throw new AwsProblem(
        file
            + " has no container named '"
            + name
            + "' (input 'container-name'); its containers are: "
            + String.join(", ", names));
  }

  /**
   * Multi-line {@code NAME=value} pairs of an input, split at the first {@code =}; later lines win.
   * A bad line is named by its number only: the input may hold secret values.
   */
  private static Map<String, String> pairs(StepInputs in, String input, String form)
      throws AwsProblem {
    Map<String, String> pairs = new LinkedHashMap<>();
    String[] lines = in.raw(input).split("\\R");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0 || line.substring(0, eq).isBlank()) {
        throw new AwsProblem(
            "input '" + input + "', line " + (i + 1) + ": expected " + form + " (one per line)");
      }
      pairs.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return pairs;
  }

  /**
   * Merges {@code pairs} into the array {@code field} of {name, valueKey} objects: a pair replaces
   * the value of the element with its name, or is appended.
   */
  private static void mergeNamed(
      ObjectNode container, String field, String valueKey, Map<String, String> pairs) {
    if (pairs.isEmpty()) {
      return;
    }
    ArrayNode array = arrayField(container, field);
    pairs.forEach(
        (name, value) -> {
          for (JsonNode element : array) {
            if (element.isObject() && name.equals(element.path("name").asText(null))) {
              ((ObjectNode) element).put(valueKey, value);
              return;
            }
          }
          array.addObject().put("name", name).put(valueKey, value);
        });
  }

  private static void environmentFiles(ObjectNode container, StepInputs in) {
    List<String> files = in.lines("env-files");
    if (files.isEmpty()) {
      return;
    }
    ArrayNode array = container.putArray("environmentFiles");
    for (String arn : files) {
      array.addObject().put("value", arn).put("type", "s3");
    }
  }

  private static void logConfiguration(ObjectNode container, StepInputs in) throws AwsProblem {
    String driver = in.text("log-configuration-log-driver");
    Map<String, String> options = pairs(in, "log-configuration-options", "key=value");
    if (driver.isEmpty() && options.isEmpty()) {
      return;
    }
    ObjectNode log = objectField(container, "logConfiguration");
    if (!driver.isEmpty()) {
      if (LogDriver.fromValue(driver) == LogDriver.UNKNOWN_TO_SDK_VERSION) {
        List<String> known = new ArrayList<>();
        LogDriver.knownValues().forEach(d -> known.add(d.toString()));
        throw new AwsProblem(
            "input 'log-configuration-log-driver': '"
                + driver
                + "' is not a log driver; use one of "
                + String.join(", ", known.stream().sorted().toList()));
      }
      log.put("logDriver", driver);
    }
    if (!options.isEmpty()) {
      ObjectNode target = objectField(log, "options");
      options.forEach(target::put);
    }
  }

  private static void command(ObjectNode container, StepInputs in) throws AwsProblem {
    String command = in.text("command");
    if (command.isEmpty()) {
      return;
    }
    JsonNode parsed;
    try {
      parsed = JSON.readTree(command);
    } catch (JsonProcessingException e) {
      parsed = null;
    }
    boolean strings = parsed != null && parsed.isArray();
    if (strings) {
      for (JsonNode part : parsed) {
        strings &= part.isTextual();
      }
    }
    if (!strings) {
      throw new AwsProblem(
          "input 'command' must be a JSON array of strings, e.g. [\"java\", \"-jar\", \"app.jar\"],"
              + " got '"
              + shortened(command)
              + "'");
    }
    container.set("command", parsed);
  }

  /** The object at {@code field}, created when absent (the shape check made sure of its type). */
  private static ObjectNode objectField(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    return node instanceof ObjectNode object ? object : parent.putObject(field);
  }

  private static ArrayNode arrayField(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    return node instanceof ArrayNode array ? array : parent.putArray(field);
  }

  private static Path write(ActionContext context, ObjectNode definition) throws AwsProblem {
    String temp = context.env().getOrDefault("RUNNER_TEMP", "");
    try {
      Path dir = temp.isEmpty() ? null : Files.createDirectories(context.workspace().resolve(temp));
      Path file =
          dir == null
              ? Files.createTempFile("task-definition-", ".json")
              : Files.createTempFile(dir, "task-definition-", ".json");
      DefaultIndenter indent = new DefaultIndenter("  ", "\n");
      DefaultPrettyPrinter pretty =
          new DefaultPrettyPrinter()
              .withObjectIndenter(indent)
              .withArrayIndenter(indent)
              .withSeparators(
                  Separators.createDefaultInstance()
                      .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
      Files.writeString(file, JSON.writer(pretty).writeValueAsString(definition) + "\n");
      return file;
    } catch (IOException e) {
      throw new AwsProblem("cannot write the rendered task definition: " + e.getMessage());
    }
  }

  private static String shortened(String text) {
    String line = AwsFailures.oneLine(text);
    return line.length() <= 60 ? line : line.substring(0, 57) + "...";
  }
}
