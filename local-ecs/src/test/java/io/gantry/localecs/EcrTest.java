package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Task;

/** The ECR API over the real local registry, and tasks pulling from it with its credentials. */
@Tag("containers")
class EcrTest {

  @TempDir static Path dataDir;
  static LocalEcs localEcs;
  static EcrClient ecr;
  static EcsClient ecs;
  static DockerClient docker;

  @BeforeAll
  static void start() {
    localEcs = TestSupport.start(dataDir);
    ecr = TestSupport.ecr(localEcs.endpoint());
    ecs = TestSupport.ecs(localEcs.endpoint());
    docker =
        DockerClientImpl.getInstance(
            DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(localEcs.dockerHost())
                .build(),
            new ZerodepDockerHttpClient.Builder()
                .dockerHost(URI.create(localEcs.dockerHost()))
                .build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (docker != null) {
      docker.close();
    }
    if (ecr != null) {
      ecr.close();
      ecs.close();
    }
    if (localEcs != null) {
      localEcs.close();
    }
  }

  /** Pushes the test image to repository:tag through the engine, with ECR's token. */
  static void push(String repository, String tag) throws Exception {
    AuthorizationData auth = ecr.getAuthorizationToken().authorizationData().get(0);
    String[] userPassword =
        new String(Base64.getDecoder().decode(auth.authorizationToken()), StandardCharsets.UTF_8)
            .split(":", 2);
    String registry = auth.proxyEndpoint().replaceFirst("^https?://", "");
    docker.tagImageCmd(TestImages.BUSYBOX, registry + "/" + repository, tag).exec();
    docker
        .pushImageCmd(registry + "/" + repository)
        .withTag(tag)
        .withAuthConfig(
            new AuthConfig()
                .withRegistryAddress(registry)
                .withUsername(userPassword[0])
                .withPassword(userPassword[1]))
        .exec(new ResultCallback.Adapter<PushResponseItem>())
        .awaitCompletion(60, TimeUnit.SECONDS);
    docker.removeImageCmd(registry + "/" + repository + ":" + tag).exec();
  }

  @Test
  void repositoriesImagesAndTokensComeFromTheLocalRegistry() throws Exception {
    var repo = ecr.createRepository(r -> r.repositoryName("team/app")).repository();
    assertThat(repo.repositoryUri()).isEqualTo(localEcs.registry() + "/team/app");
    assertThat(repo.repositoryArn())
        .isEqualTo("arn:aws:ecr:us-east-1:000000000000:repository/team/app");
    assertThatThrownBy(() -> ecr.createRepository(r -> r.repositoryName("team/app")))
        .isInstanceOf(RepositoryAlreadyExistsException.class);
    assertThatThrownBy(() -> ecr.describeRepositories(r -> r.repositoryNames("nope")))
        .isInstanceOf(RepositoryNotFoundException.class);

    AuthorizationData auth = ecr.getAuthorizationToken().authorizationData().get(0);
    assertThat(auth.proxyEndpoint()).isEqualTo("http://" + localEcs.registry());
    assertThat(
            new String(
                Base64.getDecoder().decode(auth.authorizationToken()), StandardCharsets.UTF_8))
        .startsWith("AWS:");

    push("team/app", "v1");
    push("team/app", "latest");
    var images = ecr.describeImages(r -> r.repositoryName("team/app")).imageDetails();
    assertThat(images).hasSize(1);
    ImageDetail image = images.get(0);
    assertThat(image.imageTags()).containsExactlyInAnyOrder("v1", "latest");
    assertThat(image.imageDigest()).startsWith("sha256:");
    assertThat(image.imageSizeInBytes()).isGreaterThan(500_000L);
    assertThat(image.imagePushedAt()).isNotNull();

    // A task pulls the image from the registry with local-ecs's credentials.
    ecs.registerTaskDefinition(
        r ->
            r.family("from-ecr")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("main")
                        .image(repo.repositoryUri() + ":v1")
                        .command("sh", "-c", "echo pulled and ran; exit 0")
                        .memory(32)
                        .build()));
    Task run = ecs.runTask(r -> r.taskDefinition("from-ecr")).tasks().get(0);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> EcsApiTest.describeIn(ecs, run.taskArn()).lastStatus().equals("STOPPED"));
    Task done = EcsApiTest.describeIn(ecs, run.taskArn());
    assertThat(done.containers().get(0).exitCode()).isZero();
    assertThat(done.pullStartedAt()).isNotNull();
    assertThat(localEcs.logs(run.taskArn())).contains("pulled and ran");

    // A tag the registry does not have cannot be pulled.
    ecs.registerTaskDefinition(
        r ->
            r.family("missing-tag")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("main")
                        .image(repo.repositoryUri() + ":nope")
                        .memory(32)
                        .build()));
    Task missing = ecs.runTask(r -> r.taskDefinition("missing-tag")).tasks().get(0);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> EcsApiTest.describeIn(ecs, missing.taskArn()).lastStatus().equals("STOPPED"));
    assertThat(EcsApiTest.describeIn(ecs, missing.taskArn()).stoppedReason())
        .startsWith("CannotPullContainerError: pull image " + repo.repositoryUri() + ":nope");

    var deleteTag =
        ecr.batchDeleteImage(
            r ->
                r.repositoryName("team/app")
                    .imageIds(ImageIdentifier.builder().imageTag("latest").build()));
    assertThat(deleteTag.imageIds()).hasSize(1);
    assertThat(
            ecr.describeImages(r -> r.repositoryName("team/app")).imageDetails().get(0).imageTags())
        .containsExactly("v1");
    var deleteDigest =
        ecr.batchDeleteImage(
            r ->
                r.repositoryName("team/app")
                    .imageIds(
                        ImageIdentifier.builder().imageDigest(image.imageDigest()).build(),
                        ImageIdentifier.builder().imageTag("gone").build()));
    assertThat(deleteDigest.imageIds()).extracting(ImageIdentifier::imageTag).containsExactly("v1");
    assertThat(deleteDigest.failures())
        .extracting(f -> f.failureCodeAsString())
        .containsExactly("ImageNotFound");
    assertThat(ecr.describeImages(r -> r.repositoryName("team/app")).imageDetails()).isEmpty();
    assertThatThrownBy(
            () ->
                ecr.describeImages(
                    r ->
                        r.repositoryName("team/app")
                            .imageIds(ImageIdentifier.builder().imageTag("v1").build())))
        .isInstanceOf(ImageNotFoundException.class);
  }
}
