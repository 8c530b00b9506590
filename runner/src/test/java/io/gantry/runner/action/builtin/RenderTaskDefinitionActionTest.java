package io.gantry.runner.action.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import io.gantry.runner.deploy.taskdef.TaskDefinitionShape;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

class RenderTaskDefinitionActionTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:0123456";

  /** A Fargate task definition template; the line numbers matter to the tests. */
  private static final String TEMPLATE =
      """
      {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "${CPU:-256}",
        "memory": "512",
        "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
        "containerDefinitions": [
          {
            "name": "web",
            "image": "placeholder",
            "environment": [
              {"name": "DB_HOST", "value": "${DB_HOST}"},
              {"name": "VERSION", "value": "${VERSION}"},
              {"name": "LOG_LEVEL", "value": "${LOG_LEVEL:-info}"}
            ],
            "portMappings": [{"containerPort": "${PORT:-8080}", "protocol": "tcp"}],
            "essential": "${ESSENTIAL:-true}"
          },
          {"name": "worker", "image": "worker:1", "essential": false}
        ]
      }
      """;

  @TempDir Path workspace;
  @TempDir Path runnerTemp;
  private final RenderTaskDefinitionAction action = new RenderTaskDefinitionAction();

  private Map<String, String> env(String... pairs) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RUNNER_TEMP", runnerTemp.toString());
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  private Map<String, String> inputs(String file, String... pairs) {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("task-definition", file);
    inputs.put("container-name", "web");
    inputs.put("image", IMAGE);
    for (int i = 0; i < pairs.length; i += 2) {
      inputs.put(pairs[i], pairs[i + 1]);
    }
    return inputs;
  }

  private record Rendered(ObjectNode json, String text, RecordingContext context) {
    JsonNode web() {
      return json.get("containerDefinitions").get(0);
    }
  }

  private Rendered render(String template, Map<String, String> inputs, Map<String, String> env)
      throws Exception {
    Files.writeString(workspace.resolve("task-definition.json"), template);
    RecordingContext context = RecordingContext.first(action, inputs, env, workspace);
    ActionResult result = action.run(context);
    assertThat(result.succeeded()).as(result.message()).isTrue();
    Path output = Path.of(context.outputs.get("task-definition"));
    assertThat(output.getParent()).isEqualTo(runnerTemp);
    assertThat(output.getFileName().toString()).startsWith("task-definition-").endsWith(".json");
    String text = Files.readString(output);
    return new Rendered((ObjectNode) JSON.readTree(text), text, context);
  }

  private Rendered render(String template, Map<String, String> env) throws Exception {
    return render(template, inputs("task-definition.json"), env);
  }

  private String fail(String template, Map<String, String> inputs, Map<String, String> env)
      throws Exception {
    Files.writeString(workspace.resolve("task-definition.json"), template);
    RecordingContext context = RecordingContext.first(action, inputs, env, workspace);
    ActionResult result = action.run(context);
    assertThat(result.succeeded()).as("the step should fail").isFalse();
    assertThat(result.message())
        .startsWith("aws-actions/amazon-ecs-render-task-definition: ")
        .doesNotContain("\n");
    assertThat(context.outputs).isEmpty();
    try (var files = Files.list(runnerTemp)) {
      assertThat(files).as("nothing written").isEmpty();
    }
    return result.message().substring("aws-actions/amazon-ecs-render-task-definition: ".length());
  }

  private String fail(String template, Map<String, String> env) throws Exception {
    return fail(template, inputs("task-definition.json"), env);
  }

  @Test
  void namesAreSubstitutedFromTheStepsEnvironmentAndDefaultsFillTheRest() throws Exception {
    Rendered r =
        render(TEMPLATE, env("DB_HOST", "db.internal", "VERSION", "0123456", "LOG_LEVEL", ""));

    assertThat(r.json().get("cpu").asText()).isEqualTo("256");
    JsonNode environment = r.web().get("environment");
    assertThat(environment.get(0).get("value").asText()).isEqualTo("db.internal");
    assertThat(environment.get(1).get("value").asText()).isEqualTo("0123456");
    // As in the shell, an empty variable takes the default too.
    assertThat(environment.get(2).get("value").asText()).isEqualTo("info");
    // Numbers and booleans come out as such once the field's type says so.
    assertThat(r.web().get("portMappings").get(0).get("containerPort").isInt()).isTrue();
    assertThat(r.web().get("portMappings").get(0).get("containerPort").asInt()).isEqualTo(8080);
    assertThat(r.web().get("essential").isBoolean()).isTrue();
    assertThat(r.web().get("essential").asBoolean()).isTrue();
    assertThat(r.context().lines)
        .contains(
            "Substituted from env: DB_HOST, VERSION; defaults used for: CPU, LOG_LEVEL, PORT,"
                + " ESSENTIAL");
  }

  @Test
  void aSetVariableWinsOverTheDefaultAndAnEmptyOneWithoutDefaultStaysEmpty() throws Exception {
    Rendered r =
        render(
            TEMPLATE,
            env(
                "DB_HOST",
                "",
                "VERSION",
                "v2",
                "CPU",
                "1024",
                "PORT",
                "9090",
                "ESSENTIAL",
                "false"));

    assertThat(r.json().get("cpu").asText()).isEqualTo("1024");
    assertThat(r.web().get("environment").get(0).get("value").asText()).isEmpty();
    assertThat(r.web().get("portMappings").get(0).get("containerPort").asInt()).isEqualTo(9090);
    assertThat(r.web().get("essential").asBoolean()).isFalse();
  }

  @Test
  void dollarDollarBraceWritesALiteralDollarBrace() throws Exception {
    String template =
        TEMPLATE.replace(
            "{\"name\": \"DB_HOST\", \"value\": \"${DB_HOST}\"}",
            "{\"name\": \"DB_HOST\", \"value\": \"$${DB_HOST} costs $$5 and ${DB_HOST}\"}");
    Rendered r = render(template, env("DB_HOST", "db", "VERSION", "1"));

    assertThat(r.web().get("environment").get(0).get("value").asText())
        .isEqualTo("${DB_HOST} costs $$5 and db");
  }

  @Test
  void everyUnsetNameIsReportedInOneErrorWithItsLines() throws Exception {
    String template =
        TEMPLATE
            .replace("\"memory\": \"512\"", "\"memory\": \"${MEMORY}\"")
            .replace("\"worker:1\"", "\"worker:${VERSION}\"");

    String message = fail(template, env());

    assertThat(message)
        .isEqualTo(
            "task-definition.json:6: ${MEMORY} is not set; 13: ${DB_HOST} is not set; 14,20:"
                + " ${VERSION} is not set — set them in env: or give a default as"
                + " ${NAME:-value}");
  }

  @Test
  void oneUnsetNameIsReportedAsSuch() throws Exception {
    assertThat(fail(TEMPLATE, env("VERSION", "1")))
        .isEqualTo(
            "task-definition.json:13: ${DB_HOST} is not set — set it in env: or give a default as"
                + " ${NAME:-value}");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a \"quoted\" value",
        "back\\slash and \\\" and \\u0041",
        "two\nlines\r\nand a\ttab",
        "\"}], \"privileged\": true, \"x\": [{\"",
        "\"}",
        "control \u0001 \u001f and unicode é ✓ \u2028",
        "${NOT_A_REFERENCE} $${ }"
      })
  void aValueCannotBreakOutOfItsJsonString(String hostile) throws Exception {
    Rendered r = render(TEMPLATE, env("DB_HOST", hostile, "VERSION", "1"));

    assertThat(r.web().get("environment").get(0).get("value").asText()).isEqualTo(hostile);
    assertThat(r.web().has("privileged")).isFalse();
    assertThat(r.json().get("containerDefinitions")).hasSize(2);
    assertThat(r.web().get("environment")).hasSize(3);
  }

  @Test
  void aReferenceOutsideAJsonStringIsAnErrorNamingItsLine() throws Exception {
    String template =
        TEMPLATE
            .replace("\"containerPort\": \"${PORT:-8080}\"", "\"containerPort\": ${PORT}")
            .replace("\"essential\": \"${ESSENTIAL:-true}\"", "\"essential\": ${ESSENTIAL:-true}");

    assertThat(fail(template, env("DB_HOST", "db", "VERSION", "1", "PORT", "80")))
        .isEqualTo(
            "task-definition.json:17: ${PORT} is outside a JSON string; quote it, e.g."
                + " \"${PORT}\" (number and boolean fields accept a quoted number or boolean);"
                + " 18: ${ESSENTIAL:-true} is outside a JSON string; quote it, e.g."
                + " \"${ESSENTIAL:-true}\" (number and boolean fields accept a quoted number or"
                + " boolean)");
  }

  @Test
  void malformedReferencesAreReportedWithTheUnsetNames() throws Exception {
    String template =
        TEMPLATE
            .replace("\"${VERSION}\"", "\"${1VERSION}\"")
            .replace("\"placeholder\"", "\"${{ github.sha }}\"")
            .replace("\"512\"", "\"${MEMORY\"");

    assertThat(fail(template, env()))
        .isEqualTo(
            "task-definition.json:6: '${' has no closing '}' on its line; write $${ for a literal"
                + " ${; 11: '${{ github.sha }}' is a workflow expression, which task definition"
                + " files do not evaluate; pass the value through env: (e.g. SHA: ${{ github.sha"
                + " }}) and write ${SHA}; 13: ${DB_HOST} is not set; 14: '${1VERSION}' is not a"
                + " reference: write ${NAME} or ${NAME:-default} (NAME of letters, digits and _),"
                + " or $${ for a literal ${ — set it in env: or give a default as"
                + " ${NAME:-value}");
  }

  @Test
  void describeTaskDefinitionOutputIsUnwrappedWithItsTagsAndLosesItsReadOnlyFields()
      throws Exception {
    String describe;
    try (InputStream in =
        getClass().getResourceAsStream("/task-definitions/describe-task-definition.json")) {
      describe = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    ObjectNode original = (ObjectNode) JSON.readTree(describe).get("taskDefinition");

    Rendered r = render(describe, env());

    ObjectNode expected = original.deepCopy();
    TaskDefinitionShape.READ_ONLY.forEach(expected::remove);
    ((ObjectNode) expected.get("containerDefinitions").get(0)).put("image", IMAGE);
    expected.set("tags", JSON.readTree("[{\"key\": \"team\", \"value\": \"payments\"}]"));
    assertThat(r.json()).isEqualTo(expected);
    for (String field :
        List.of(
            "taskDefinitionArn",
            "revision",
            "status",
            "requiresAttributes",
            "compatibilities",
            "registeredAt",
            "registeredBy")) {
      assertThat(original.has(field)).as(field).isTrue();
      assertThat(r.json().has(field)).as(field).isFalse();
    }
    assertThat(r.context().lines)
        .contains(
            "Dropped read-only fields of describe-task-definition: taskDefinitionArn,"
                + " revision, status, requiresAttributes, compatibilities, registeredAt,"
                + " registeredBy");
  }

  @Test
  void theReadOnlyFieldsAreWhatTheModelsTaskDefinitionHasAndTheRequestLacks() {
    Set<String> described = new TreeSet<>();
    TaskDefinition.builder().sdkFields().forEach(f -> described.add(f.locationName()));
    RegisterTaskDefinitionRequest.builder().sdkFields().stream()
        .map(SdkField::locationName)
        .forEach(described::remove);

    assertThat(described).containsExactlyInAnyOrderElementsOf(TaskDefinitionShape.READ_ONLY);
  }

  @Test
  void unknownFieldsAndWrongTypesAreRejectedWithTheirJsonPaths() throws Exception {
    String template =
        """
        {
          "family": "web",
          "networkMode": "awsvcp",
          "cpu": 256,
          "memory": {"size": 512},
          "containerDefinitions": [
            {
              "name": "web",
              "portMappings": [{"containerPort": "80a", "hostPort": 1.5}],
              "portMapping": [],
              "essential": "yes",
              "environment": {"A": "b"},
              "dockerLabels": {"team": ["a"]},
              "logConfiguration": {"logDriver": "awslogs", "options": {"x": 1}, "extra": true}
            }
          ],
          "requiresCompatibilities": ["FARGATE", "LAMBDA"],
          "taskRoleARN": "arn"
        }
        """;

    assertThat(fail(template, env()))
        .isEqualTo(
            "task-definition.json does not fit ECS RegisterTaskDefinition:"
                + " $.networkMode: expected one of awsvpc, bridge, host, none, got \"awsvcp\";"
                + " $.memory: expected a string, got an object;"
                + " $.containerDefinitions[0].portMappings[0].containerPort: expected a number,"
                + " got \"80a\";"
                + " $.containerDefinitions[0].portMappings[0].hostPort: expected a whole number,"
                + " got 1.5;"
                + " $.containerDefinitions[0].portMapping: unknown field; did you mean"
                + " 'portMappings'?;"
                + " $.containerDefinitions[0].essential: expected true or false, got \"yes\";"
                + " $.containerDefinitions[0].environment: expected an array, got an object;"
                + " $.containerDefinitions[0].dockerLabels.team: expected a string, got an array;"
                + " $.containerDefinitions[0].logConfiguration.extra: unknown field; valid fields"
                + " are: logDriver, options, secretOptions;"
                + " $.requiresCompatibilities[1]: expected one of EC2, EXTERNAL, FARGATE,"
                + " got \"LAMBDA\";"
                + " $.taskRoleARN: unknown field; did you mean 'taskRoleArn'?");
  }

  @Test
  void aNumberInAStringFieldBecomesItsText() throws Exception {
    Rendered r =
        render(
            TEMPLATE.replace("\"memory\": \"512\"", "\"memory\": 512"),
            env("DB_HOST", "db", "VERSION", "1"));

    assertThat(r.json().get("memory").isTextual()).isTrue();
    assertThat(r.json().get("memory").asText()).isEqualTo("512");
  }

  @Test
  void familyAndContainerDefinitionsAreRequired() throws Exception {
    assertThat(fail("{\"cpu\": \"256\", \"containerDefinitions\": []}", env()))
        .isEqualTo(
            "task-definition.json does not fit ECS RegisterTaskDefinition: $.family: missing:"
                + " every task definition needs a family name; $.containerDefinitions: missing:"
                + " give at least one container definition");
  }

  @Test
  void aMissingContainerIsOneLineListingTheContainers() throws Exception {
    assertThat(
            fail(
                TEMPLATE,
                inputs("task-definition.json", "container-name", "api"),
                env("DB_HOST", "db", "VERSION", "1")))
        .isEqualTo(
            "task-definition.json has no container named 'api' (input 'container-name'); its"
                + " containers are: web, worker");
  }

  @Test
  void theImageGoesIntoTheNamedContainerOnly() throws Exception {
    Rendered r =
        render(
            TEMPLATE,
            inputs("task-definition.json", "container-name", "worker", "image", "worker:2"),
            env("DB_HOST", "db", "VERSION", "1"));

    assertThat(r.json().get("containerDefinitions").get(1).get("image").asText())
        .isEqualTo("worker:2");
    assertThat(r.web().get("image").asText()).isEqualTo("placeholder");
    assertThat(r.context().lines.get(0))
        .startsWith(
            "Rendered task-definition.json (family web) with container 'worker' on"
                + " worker:2 to "
                + runnerTemp.resolve("task-definition-"));
  }

  @Test
  void inputsAreMergedIntoTheContainerAsTheOriginalDoes() throws Exception {
    String template =
        TEMPLATE.replace(
            "\"essential\": \"${ESSENTIAL:-true}\"",
            "\"essential\": true, \"secrets\": [{\"name\": \"DB_PASSWORD\", \"valueFrom\":"
                + " \"arn:old\"}], \"dockerLabels\": {\"team\": \"web\"},"
                + " \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\":"
                + " {\"awslogs-group\": \"/ecs/web\"}}");
    Rendered r =
        render(
            template,
            inputs(
                "task-definition.json",
                "environment-variables",
                "LOG_LEVEL=debug\n\n  FEATURE_X = on=yes  \n",
                "secrets",
                "DB_PASSWORD=arn:new\nAPI_KEY=arn:aws:ssm:eu-west-1:1:parameter/k",
                "docker-labels",
                "team=payments\nversion=1.2=3",
                "log-configuration-log-driver",
                "awsfirelens",
                "log-configuration-options",
                "Name=cloudwatch\nregion=eu-west-1",
                "env-files",
                "arn:aws:s3:::bucket/web.env",
                "command",
                "[\"java\", \"-jar\", \"app.jar\"]",
                "task-role-arn",
                "arn:aws:iam::1:role/task",
                "execution-role-arn",
                "arn:aws:iam::1:role/exec"),
            env("DB_HOST", "db", "VERSION", "1"));

    JsonNode web = r.web();
    assertThat(web.get("environment"))
        .isEqualTo(
            JSON.readTree(
                "[{\"name\": \"DB_HOST\", \"value\": \"db\"}, {\"name\": \"VERSION\", \"value\":"
                    + " \"1\"}, {\"name\": \"LOG_LEVEL\", \"value\": \"debug\"}, {\"name\":"
                    + " \"FEATURE_X\", \"value\": \"on=yes\"}]"));
    assertThat(web.get("secrets"))
        .isEqualTo(
            JSON.readTree(
                "[{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"arn:new\"}, {\"name\": \"API_KEY\","
                    + " \"valueFrom\": \"arn:aws:ssm:eu-west-1:1:parameter/k\"}]"));
    assertThat(web.get("dockerLabels"))
        .isEqualTo(JSON.readTree("{\"team\": \"payments\", \"version\": \"1.2=3\"}"));
    assertThat(web.get("logConfiguration"))
        .isEqualTo(
            JSON.readTree(
                "{\"logDriver\": \"awsfirelens\", \"options\": {\"awslogs-group\": \"/ecs/web\","
                    + " \"Name\": \"cloudwatch\", \"region\": \"eu-west-1\"}}"));
    assertThat(web.get("environmentFiles"))
        .isEqualTo(
            JSON.readTree("[{\"value\": \"arn:aws:s3:::bucket/web.env\", \"type\": \"s3\"}]"));
    assertThat(web.get("command")).isEqualTo(JSON.readTree("[\"java\", \"-jar\", \"app.jar\"]"));
    assertThat(r.json().get("taskRoleArn").asText()).isEqualTo("arn:aws:iam::1:role/task");
    assertThat(r.json().get("executionRoleArn").asText()).isEqualTo("arn:aws:iam::1:role/exec");
    assertThat(TaskDefinitionShape.check(r.json().deepCopy())).isEmpty();
  }

  @Test
  void secretsAndLogConfigurationAreCreatedWhenTheTemplateHasNone() throws Exception {
    Rendered r =
        render(
            TEMPLATE,
            inputs(
                "task-definition.json",
                "secrets",
                "DB_PASSWORD=arn:aws:secretsmanager:eu-west-1:1:secret:db",
                "log-configuration-options",
                "awslogs-group=/ecs/web"),
            env("DB_HOST", "db", "VERSION", "1"));

    assertThat(r.web().get("secrets"))
        .isEqualTo(
            JSON.readTree(
                "[{\"name\": \"DB_PASSWORD\", \"valueFrom\":"
                    + " \"arn:aws:secretsmanager:eu-west-1:1:secret:db\"}]"));
    assertThat(r.web().get("logConfiguration"))
        .isEqualTo(JSON.readTree("{\"options\": {\"awslogs-group\": \"/ecs/web\"}}"));
  }

  @Test
  void badInputsAreOneLineNamingTheInputWithoutItsValues() throws Exception {
    Map<String, String> env = env("DB_HOST", "db", "VERSION", "1");
    assertThat(
            fail(
                TEMPLATE,
                inputs("task-definition.json", "environment-variables", "A=1\ns3cr3t-token"),
                env))
        .isEqualTo("input 'environment-variables', line 2: expected NAME=value (one per line)")
        .doesNotContain("s3cr3t");
    assertThat(fail(TEMPLATE, inputs("task-definition.json", "secrets", "=arn"), env))
        .isEqualTo("input 'secrets', line 1: expected NAME=valueFrom (one per line)");
    assertThat(
            fail(
                TEMPLATE,
                inputs("task-definition.json", "log-configuration-log-driver", "aws"),
                env))
        .isEqualTo(
            "input 'log-configuration-log-driver': 'aws' is not a log driver; use one of"
                + " awsfirelens, awslogs, fluentd, gelf, journald, json-file, splunk, syslog");
    assertThat(fail(TEMPLATE, inputs("task-definition.json", "command", "java -jar app.jar"), env))
        .isEqualTo(
            "input 'command' must be a JSON array of strings, e.g. [\"java\", \"-jar\","
                + " \"app.jar\"], got 'java -jar app.jar'");
    assertThat(fail(TEMPLATE, inputs("task-definition.json", "image", " "), env))
        .isEqualTo("input 'image' is empty");
  }

  @Test
  void aMissingFileOrBrokenJsonIsOneLineWithTheFileAndPosition() throws Exception {
    assertThat(fail(TEMPLATE, inputs("deploy/missing.json"), env()))
        .isEqualTo(
            "task definition file 'deploy/missing.json' not found in the workspace "
                + workspace
                + "; give its path relative to the workspace (check out the repository first)");
    assertThat(
            fail("{\n  \"family\": \"web\",\n  \"cpu\": \"256\"\n  \"memory\": \"512\"\n}", env()))
        .startsWith("task-definition.json:4:3: not valid JSON: Unexpected character ('\"'");
    assertThat(fail("{\"family\": \"a\", \"family\": \"b\"}", env()))
        .startsWith("task-definition.json:1:")
        .contains("Duplicate field 'family'");
    assertThat(fail("[1, 2]", env()))
        .isEqualTo(
            "task-definition.json: expected a JSON object (a task definition, or the"
                + " {\"taskDefinition\": {...}} that aws ecs describe-task-definition prints), got"
                + " an array");
  }

  @Test
  void theRenderedFileIsPrettyJsonReadableByItsOwnerOnly() throws Exception {
    Rendered r = render(TEMPLATE, env("DB_HOST", "db", "VERSION", "1"));

    assertThat(r.text())
        .startsWith(
            "{\n  \"family\": \"web\",\n  \"networkMode\": \"awsvpc\",\n"
                + "  \"requiresCompatibilities\": [\n    \"FARGATE\"\n  ],\n");
    Path file = Path.of(r.context().outputs.get("task-definition"));
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }
}
