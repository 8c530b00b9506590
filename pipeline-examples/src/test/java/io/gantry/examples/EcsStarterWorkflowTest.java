package io.gantry.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.cli.Gantry;
import io.gantry.localecs.LocalEcs;
import io.gantry.localecs.LocalEcsTesting;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;

/**
 * GitHub's starter workflow "Deploy to Amazon ECS" ({@code ecs-starter/.github/workflows/aws.yml}:
 * checkout, credentials, ECR login, {@code docker build} and {@code docker push}, render, deploy)
 * run unchanged by {@code gantry run} against a real local-ecs: the image is built by Podman
 * through the job's {@code docker}, pushed to local-ecs's plain-HTTP registry with the login from
 * {@code amazon-ecr-login}, and the ECS service ends up running it.
 */
@Tag("containers")
class EcsStarterWorkflowTest {

  private static final String SHA = "5ea7e10000000000000000000000000000000001";

  @TempDir Path dir;

  @Test
  void theStarterWorkflowBuildsWithDockerPushesToEcrAndDeploysTheImageToTheService()
      throws Exception {
    LocalEcsTesting.requireContainers();
    String image = null;
    try (LocalEcs localEcs = LocalEcsTesting.start(dir.resolve("ecs"));
        EcsClient ecs = ecs(localEcs.endpoint())) {
      // What the starter's set-up steps ask for: a cluster (local-ecs's default), a service.
      String first =
          ecs.registerTaskDefinition(
                  r ->
                      r.family("my-task")
                          .containerDefinitions(
                              ContainerDefinition.builder()
                                  .name("web")
                                  .image(LocalEcsTesting.IMAGE)
                                  .essential(true)
                                  .memory(64)
                                  .command(LocalEcsTesting.WEB_COMMAND)
                                  .build()))
              .taskDefinition()
              .taskDefinitionArn();
      ecs.createService(
          r ->
              r.serviceName("my-service")
                  .taskDefinition(first)
                  .desiredCount(1)
                  .deploymentConfiguration(c -> c.minimumHealthyPercent(0).maximumPercent(200)));
      image = localEcs.registry() + "/my-ecr-repo:" + SHA;
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int exit =
          Gantry.execute(
              new PrintWriter(out, true),
              new PrintWriter(err, true),
              "run",
              Path.of("ecs-starter").toAbsolutePath().toString(),
              "--ref",
              "refs/heads/main",
              "--sha",
              SHA,
              "--data-dir",
              dir.resolve("gantry").toString(),
              "--secret",
              "AWS_ACCESS_KEY_ID=test",
              "--secret",
              "AWS_SECRET_ACCESS_KEY=test-secret-key-2718",
              "--env",
              "AWS_ENDPOINT_URL=" + localEcs.endpoint());

      String console = out.toString();
      assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", console, err).isZero();
      assertThat(console)
          .contains("Logged in to " + localEcs.registry())
          .contains("✓ Deploy to Amazon ECS · run #1: success")
          .doesNotContain("test-secret-key-2718");
      String deployed =
          ecs.describeServices(r -> r.services("my-service")).services().get(0).taskDefinition();
      assertThat(deployed).endsWith("task-definition/my-task:2");
      assertThat(
              ecs.describeTaskDefinition(r -> r.taskDefinition(deployed))
                  .taskDefinition()
                  .containerDefinitions()
                  .get(0)
                  .image())
          .isEqualTo(image);
      List<String> running =
          ecs.listTasks(r -> r.serviceName("my-service").desiredStatus(DesiredStatus.RUNNING))
              .taskArns();
      assertThat(running).hasSize(1);
      String task = running.get(0);
      assertThat(ecs.describeTasks(r -> r.tasks(task)).tasks().get(0).taskDefinitionArn())
          .isEqualTo(deployed);
      // the task runs the image docker built from the repository's Dockerfile
      assertThat(localEcs.logs(task)).contains("serving: built by docker build");
      ecs.deleteService(r -> r.service("my-service").force(true));
    } finally {
      if (image != null) {
        // after local-ecs removed its tasks' containers (a forced rmi would remove them)
        removeImage(image);
      }
    }
  }

  private static EcsClient ecs(URI endpoint) {
    return EcsClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private static void removeImage(String image) throws Exception {
    Process rmi =
        new ProcessBuilder("podman", "rmi", "-f", image).redirectErrorStream(true).start();
    rmi.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    rmi.waitFor(60, TimeUnit.SECONDS);
  }
}
