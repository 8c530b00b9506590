package io.gantry.runner.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.taskdef.TaskDefinitionFiles;
import io.gantry.runner.deploy.taskdef.TaskDefinitionShape;
import io.gantry.runner.deploy.taskdef.TaskDefinitionTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.model.CreateServiceRequest;

/**
 * Reads the deploy action's {@code service-definition} file (ecspresso's idea: the service kept in
 * the repository as CreateService's JSON) into the SDK's request, with the step's {@code cluster}
 * and {@code service}: a field CreateService does not have or a value of the wrong type is refused
 * with its JSON path, and a {@code serviceName} or {@code cluster} in the file must match the
 * inputs. The task definition and desired count are the deploy's to set.
 */
final class ServiceDefinitionFiles {

  /** Strict: no field of another shape, no text read as a number or a number as text. */
  private static final ObjectMapper MAPPER = strictMapper();

  private static ObjectMapper strictMapper() {
    ObjectMapper mapper =
        JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    for (CoercionInputShape shape :
        List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
      mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
    }
    return mapper;
  }

  private ServiceDefinitionFiles() {}

  static CreateServiceRequest read(Path workspace, String input, String cluster, String service)
      throws AwsProblem {
    return read(workspace, input, cluster, service, Map.of());
  }

  /**
   * Reads the file after substituting {@code ${NAME}} and {@code ${NAME:-default}} from {@code env}
   * (the step's environment), as the render action does for task definitions: e.g. a target group
   * ARN kept in the repository's variables.
   */
  static CreateServiceRequest read(
      Path workspace, String input, String cluster, String service, Map<String, String> env)
      throws AwsProblem {
    Path file = workspace.resolve(input).normalize();
    JsonNode root;
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      root = MAPPER.readTree(TaskDefinitionTemplate.render(text, input, env).json());
    } catch (NoSuchFileException e) {
      throw new AwsProblem(
          "input 'service-definition': "
              + input
              + " does not exist in the workspace; check out"
              + " or write the file first");
    } catch (JsonProcessingException e) {
      throw new AwsProblem(
          input
              + ":"
              + e.getLocation().getLineNr()
              + ":"
              + e.getLocation().getColumnNr()
              + ": not valid JSON: "
              + AwsFailures.oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new AwsProblem("cannot read " + input + ": " + e.getMessage());
    }
    if (!(root instanceof ObjectNode object)) {
      throw new AwsProblem(input + ": a service definition must be a JSON object");
    }
    mustMatch(input, object, "serviceName", service, "service");
    String clusterName = EcsDeploy.clusterName(cluster);
    JsonNode inFile = object.get("cluster");
    if (inFile != null
        && !(inFile.isTextual()
            && (inFile.asText().equals(cluster)
                || EcsDeploy.clusterName(inFile.asText()).equals(clusterName)))) {
      throw new AwsProblem(
          input
              + ": cluster is "
              + TaskDefinitionShape.show(inFile)
              + " but the input 'cluster'"
              + " is '"
              + cluster
              + "'; make them the same or leave cluster out of the file");
    }
    CreateServiceRequest request;
    try {
      request = MAPPER.treeToValue(object, CreateServiceRequest.serializableBuilderClass()).build();
    } catch (UnrecognizedPropertyException e) {
      throw new AwsProblem(
          input
              + ": unknown field '"
              + TaskDefinitionFiles.path(e)
              + "' (not a field of CreateService)");
    } catch (JsonMappingException e) {
      throw new AwsProblem(
          input
              + ": field '"
              + TaskDefinitionFiles.path(e)
              + "' has the wrong type: "
              + AwsFailures.oneLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new AwsProblem(input + ": " + AwsFailures.oneLine(e.getOriginalMessage()));
    }
    return request.toBuilder().cluster(cluster).serviceName(service).build();
  }

  private static void mustMatch(
      String input, ObjectNode object, String field, String wanted, String inputName)
      throws AwsProblem {
    JsonNode value = object.get(field);
    if (value != null && !(value.isTextual() && value.asText().equals(wanted))) {
      throw new AwsProblem(
          input
              + ": "
              + field
              + " is "
              + TaskDefinitionShape.show(value)
              + " but the input '"
              + inputName
              + "' is '"
              + wanted
              + "'; make them the same or leave "
              + field
              + " out of the file");
    }
  }
}
