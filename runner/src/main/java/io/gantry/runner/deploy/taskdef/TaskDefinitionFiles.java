package io.gantry.runner.deploy.taskdef;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.runner.aws.AwsProblem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;

/**
 * Reads a task definition file (RegisterTaskDefinition's JSON, or DescribeTaskDefinition's output)
 * into the SDK's request: the fields ECS fills in itself are dropped, as the original action does,
 * and anything else that is not a field of the request is refused with its JSON path.
 */
public final class TaskDefinitionFiles {

  /** Fields of DescribeTaskDefinition's output that RegisterTaskDefinition does not take. */
  private static final List<String> READ_ONLY =
      List.of(
          "taskDefinitionArn",
          "revision",
          "status",
          "requiresAttributes",
          "compatibilities",
          "registeredAt",
          "registeredBy",
          "deregisteredAt");

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private TaskDefinitionFiles() {}

  public static RegisterTaskDefinitionRequest read(Path workspace, String input) throws AwsProblem {
    if (input.isEmpty()) {
      throw new AwsProblem("input 'task-definition' is empty; give the task definition file");
    }
    Path file = workspace.resolve(input).normalize();
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new AwsProblem(
          "input 'task-definition': "
              + input
              + " does not exist in the workspace; render or"
              + " check out the file first");
    } catch (JsonProcessingException e) {
      throw new AwsProblem(
          input
              + ":"
              + e.getLocation().getLineNr()
              + ":"
              + e.getLocation().getColumnNr()
              + ": not valid JSON: "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw new AwsProblem("cannot read " + input + ": " + e.getMessage());
    }
    if (root != null && root.has("taskDefinition") && root.size() == 1) {
      // aws ecs describe-task-definition's output as is.
      root = root.get("taskDefinition");
    }
    if (!(root instanceof ObjectNode object)) {
      throw new AwsProblem(input + ": a task definition must be a JSON object");
    }
    for (String field : READ_ONLY) {
      object.remove(field);
    }
    if (!object.path("containerDefinitions").isArray()
        || object.path("containerDefinitions").isEmpty()) {
      throw new AwsProblem(input + ": containerDefinitions is missing or empty");
    }
    try {
      return MAPPER
          .treeToValue(object, RegisterTaskDefinitionRequest.serializableBuilderClass())
          .build();
    } catch (UnrecognizedPropertyException e) {
      throw new AwsProblem(
          input + ": unknown field '" + path(e) + "' (not a field of RegisterTaskDefinition)");
    } catch (JsonMappingException e) {
      throw new AwsProblem(
          input + ": field '" + path(e) + "' has the wrong type: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new AwsProblem(input + ": " + e.getOriginalMessage());
    }
  }

  /** {@code containerDefinitions[0].imagee}. */
  public static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        path.append('[').append(r.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
