package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Secret;
import software.amazon.awssdk.services.ecs.model.Task;

/** Task secrets from the local Secrets Manager and Parameter Store, set with the AWS CLI v2. */
@Tag("containers")
class SecretsTest {

  @TempDir Path dataDir;

  static ContainerDefinition app(Secret... secrets) {
    return ContainerDefinition.builder()
        .name("app")
        .image(TestImages.BUSYBOX)
        .command(
            "sh",
            "-c",
            // Globs, so that the values themselves are not in the task definition.
            "trap 'exit 0' TERM; case \"$DB_PASSWORD/$API_KEY\" in pw-1234?6/key-98?) echo"
                + " SECRETS_OK;; *) echo SECRETS_WRONG;; esac; sleep 600 & wait")
        .secrets(secrets)
        .memory(32)
        .stopTimeout(2)
        .build();
  }

  @Test
  void secretsReachTheContainerAndNowhereElse() throws Exception {
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      AwsCli aws = AwsCli.at(local.endpoint());
      AwsCli.Result created =
          aws.run(
              "secretsmanager",
              "create-secret",
              "--name",
              "prod/db",
              "--secret-string",
              "{\"password\":\"pw-123456\"}",
              "--query",
              "ARN",
              "--output",
              "text");
      assertThat(created.exitCode()).as(created.stderr()).isZero();
      String secretArn = created.stdout().strip();
      assertThat(secretArn)
          .matches("arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-[A-Za-z0-9]{6}");
      assertThat(
              aws.run(
                      "ssm",
                      "put-parameter",
                      "--name",
                      "/prod/api-key",
                      "--value",
                      "key-987",
                      "--type",
                      "SecureString")
                  .exitCode())
          .isZero();

      // SecureString: the value only with decryption; the secret by name.
      assertThat(
              aws.run(
                      "ssm",
                      "get-parameters",
                      "--names",
                      "/prod/api-key",
                      "--query",
                      "Parameters[0].Value",
                      "--output",
                      "text")
                  .stdout())
          .doesNotContain("key-987");
      assertThat(
              aws.run(
                      "ssm",
                      "get-parameters",
                      "--names",
                      "/prod/api-key",
                      "--with-decryption",
                      "--query",
                      "Parameters[0].Value",
                      "--output",
                      "text")
                  .stdout()
                  .strip())
          .isEqualTo("key-987");
      assertThat(
              aws.run(
                      "secretsmanager",
                      "get-secret-value",
                      "--secret-id",
                      "prod/db",
                      "--query",
                      "SecretString",
                      "--output",
                      "text")
                  .stdout()
                  .strip())
          .isEqualTo("{\"password\":\"pw-123456\"}");

      ecs.registerTaskDefinition(
          r ->
              r.family("app")
                  .containerDefinitions(
                      app(
                          Secret.builder()
                              .name("DB_PASSWORD")
                              .valueFrom(secretArn + ":password::")
                              .build(),
                          Secret.builder().name("API_KEY").valueFrom("/prod/api-key").build())));
      ecs.createService(r -> r.serviceName("app").taskDefinition("app").desiredCount(1));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  EcsApiTest.tasksIn(ecs, "app").stream()
                      .anyMatch(t -> t.lastStatus().equals("RUNNING")));
      Task task = EcsApiTest.tasksIn(ecs, "app").get(0);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> local.logs(task.taskArn()).contains("SECRETS_"));
      assertThat(local.logs(task.taskArn())).contains("SECRETS_OK");

      // Nowhere else: not in DescribeTasks, the service's events, the task definition, the state.
      String described = ecs.describeTasks(r -> r.tasks(task.taskArn())).toString();
      String service = ecs.describeServices(r -> r.services("app")).toString();
      String definition = ecs.describeTaskDefinition(r -> r.taskDefinition("app")).toString();
      for (String text : new String[] {described, service, definition}) {
        assertThat(text).doesNotContain("pw-123456").doesNotContain("key-987");
      }
      try (Stream<Path> files = Files.walk(dataDir)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          if (f.toString().contains("/podman/") || f.toString().contains("/registry/data/")) {
            continue;
          }
          assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1))
              .as(f.toString())
              .doesNotContain("pw-123456")
              .doesNotContain("key-987");
        }
      }
    }
  }

  @Test
  void aMissingSecretStopsTheTaskWithEcsReasonAndBadInputIsRefused() throws Exception {
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      AwsCli aws = AwsCli.at(local.endpoint());
      String missing = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/gone";
      ecs.registerTaskDefinition(
          r ->
              r.family("nosecret")
                  .containerDefinitions(
                      app(Secret.builder().name("DB_PASSWORD").valueFrom(missing).build())));
      String arn = ecs.runTask(r -> r.taskDefinition("nosecret")).tasks().get(0).taskArn();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> EcsApiTest.describeIn(ecs, arn).lastStatus().equals("STOPPED"));
      Task task = EcsApiTest.describeIn(ecs, arn);
      assertThat(task.stoppedReason())
          .isEqualTo(
              "ResourceInitializationError: unable to pull secrets or registry auth: execution"
                  + " resource retrieval failed: unable to retrieve secret from asm: service call"
                  + " has been retried 1 time(s): failed to fetch secret "
                  + missing
                  + " from"
                  + " secrets manager: ResourceNotFoundException: Secrets Manager can't find the"
                  + " specified secret.");
      assertThat(task.stopCodeAsString()).isEqualTo("TaskFailedToStart");

      ecs.registerTaskDefinition(
          r ->
              r.family("noparam")
                  .containerDefinitions(
                      app(Secret.builder().name("API_KEY").valueFrom("/prod/absent").build())));
      String arn2 = ecs.runTask(r -> r.taskDefinition("noparam")).tasks().get(0).taskArn();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> EcsApiTest.describeIn(ecs, arn2).lastStatus().equals("STOPPED"));
      assertThat(EcsApiTest.describeIn(ecs, arn2).stoppedReason())
          .endsWith(
              "unable to retrieve secrets from ssm: service call has been retried 1 time(s):"
                  + " invalid parameters: /prod/absent");

      assertThatThrownBy(
              () ->
                  ecs.registerTaskDefinition(
                      r ->
                          r.family("bad")
                              .containerDefinitions(
                                  app(
                                      Secret.builder()
                                          .name("X")
                                          .valueFrom("arn:aws:s3:::bucket/key")
                                          .build()))))
          .isInstanceOf(ClientException.class)
          .hasMessageStartingWith(
              "Container 'app': secrets[0].valueFrom 'arn:aws:s3:::bucket/key' is neither a Secrets"
                  + " Manager secret ARN");

      AwsCli.Result notFound = aws.run("secretsmanager", "get-secret-value", "--secret-id", "nope");
      assertThat(notFound.stderr())
          .contains("ResourceNotFoundException")
          .contains("Secrets Manager can't find the specified secret.");
      aws.run("ssm", "put-parameter", "--name", "p", "--value", "1", "--type", "String");
      AwsCli.Result again =
          aws.run("ssm", "put-parameter", "--name", "p", "--value", "2", "--type", "String");
      assertThat(again.stderr()).contains("ParameterAlreadyExists");
      AwsCli.Result badType =
          aws.run("ssm", "put-parameter", "--name", "q", "--value", "2", "--type", "Secret");
      assertThat(badType.exitCode()).isNotZero();
    }
  }
}
