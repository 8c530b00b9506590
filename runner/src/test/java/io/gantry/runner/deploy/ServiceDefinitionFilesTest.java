package io.gantry.runner.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.aws.AwsProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.model.CreateServiceRequest;

/** The deploy action's {@code service-definition} file read into CreateService. */
class ServiceDefinitionFilesTest {

  @TempDir Path workspace;

  private CreateServiceRequest read(String json) throws Exception {
    Files.writeString(workspace.resolve("service.json"), json);
    return ServiceDefinitionFiles.read(workspace, "service.json", "prod", "web");
  }

  private void fails(String json, String message) {
    assertThatThrownBy(() -> read(json)).isInstanceOf(AwsProblem.class).hasMessage(message);
  }

  @Test
  void aFileInCreateServicesShapeTakesTheClusterAndServiceOfTheInputs() throws Exception {
    CreateServiceRequest request =
        read(
            """
            {
              "serviceName": "web",
              "launchType": "FARGATE",
              "desiredCount": 2,
              "healthCheckGracePeriodSeconds": 30,
              "deploymentConfiguration": {
                "minimumHealthyPercent": 100,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": true, "rollback": true}
              },
              "loadBalancers": [
                {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1",
                 "containerName": "web", "containerPort": 8080}
              ],
              "networkConfiguration": {
                "awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}
              }
            }
            """);

    assertThat(request.cluster()).isEqualTo("prod");
    assertThat(request.serviceName()).isEqualTo("web");
    assertThat(request.launchTypeAsString()).isEqualTo("FARGATE");
    assertThat(request.desiredCount()).isEqualTo(2);
    assertThat(request.healthCheckGracePeriodSeconds()).isEqualTo(30);
    assertThat(request.deploymentConfiguration().deploymentCircuitBreaker().rollback()).isTrue();
    assertThat(request.loadBalancers().get(0).containerPort()).isEqualTo(8080);
    assertThat(request.networkConfiguration().awsvpcConfiguration().subnets())
        .containsExactly("subnet-1");
    assertThat(request.taskDefinition()).isNull();
  }

  @Test
  void unknownFieldsAreRefusedWithTheirPath() {
    fails(
        "{\"desiredCount\": 1, \"loadBalancer\": []}",
        "service.json: unknown field 'loadBalancer' (not a field of CreateService)");
    fails(
        "{\"deploymentConfiguration\": {\"maximumPercentt\": 200}}",
        "service.json: unknown field 'deploymentConfiguration.maximumPercentt' (not a field of"
            + " CreateService)");
  }

  @Test
  void wrongTypesAreRefusedWithTheirPathInOneLine() {
    assertThatThrownBy(() -> read("{\"desiredCount\": \"two\"}"))
        .isInstanceOf(AwsProblem.class)
        .hasMessageStartingWith("service.json: field 'desiredCount' has the wrong type: ")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> read("{\"healthCheckGracePeriodSeconds\": \"30\"}"))
        .isInstanceOf(AwsProblem.class)
        .hasMessageStartingWith(
            "service.json: field 'healthCheckGracePeriodSeconds' has the wrong type: ")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(
            () -> read("{\"loadBalancers\": [{\"containerPort\": 8080, \"containerName\": 7}]}"))
        .isInstanceOf(AwsProblem.class)
        .hasMessageStartingWith(
            "service.json: field 'loadBalancers[0].containerName' has the wrong type: ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aServiceNameOrClusterOtherThanTheInputsIsRefused() {
    fails(
        "{\"serviceName\": \"api\"}",
        "service.json: serviceName is \"api\" but the input 'service' is 'web'; make them the same"
            + " or leave serviceName out of the file");
    fails(
        "{\"cluster\": \"staging\"}",
        "service.json: cluster is \"staging\" but the input 'cluster' is 'prod'; make them the same"
            + " or leave cluster out of the file");
  }

  @Test
  void aClusterGivenAsItsArnMatchesItsName() throws Exception {
    assertThat(read("{\"cluster\": \"arn:aws:ecs:us-east-1:1:cluster/prod\"}").cluster())
        .isEqualTo("prod");
  }

  @Test
  void aFileThatIsNotThereOrNotJsonSaysSo() throws Exception {
    assertThatThrownBy(() -> ServiceDefinitionFiles.read(workspace, "nope.json", "prod", "web"))
        .hasMessage(
            "input 'service-definition': nope.json does not exist in the workspace; check out or"
                + " write the file first");
    fails(
        "{\"desiredCount\": ",
        "service.json:1:18: not valid JSON: Unexpected end-of-input"
            + " within/between Object entries");
  }

  @Test
  void variablesOfTheStepsEnvironmentAreSubstitutedAndAMissingOneIsNamedWithItsLine()
      throws Exception {
    Files.writeString(
        workspace.resolve("service.json"),
        """
        {
          "loadBalancers": [
            { "targetGroupArn": "${TARGET_GROUP}", "containerName": "web", "containerPort": 8080 }
          ],
          "launchType": "${LAUNCH_TYPE:-FARGATE}"
        }
        """);
    CreateServiceRequest request =
        ServiceDefinitionFiles.read(
            workspace,
            "service.json",
            "prod",
            "web",
            java.util.Map.of(
                "TARGET_GROUP", "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/ab"));
    assertThat(request.loadBalancers().get(0).targetGroupArn())
        .isEqualTo("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/ab");
    assertThat(request.launchTypeAsString()).isEqualTo("FARGATE");
    assertThatThrownBy(
            () ->
                ServiceDefinitionFiles.read(
                    workspace, "service.json", "prod", "web", java.util.Map.of()))
        .isInstanceOf(AwsProblem.class)
        .hasMessageContaining("service.json:3")
        .hasMessageContaining("TARGET_GROUP");
  }
}
