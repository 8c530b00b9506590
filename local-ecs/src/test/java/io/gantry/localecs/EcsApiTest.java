package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gantry.engine.DockerEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.HealthCheck;
import software.amazon.awssdk.services.ecs.model.InvalidParameterException;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.PortMapping;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.ServiceNotFoundException;
import software.amazon.awssdk.services.ecs.model.Task;

/** The AWS SDK for Java v2 ECS client against local-ecs, with real containers. */
@Tag("containers")
class EcsApiTest {

  @TempDir static Path dataDir;
  static LocalEcs localEcs;
  static EcsClient ecs;

  @BeforeAll
  static void start() {
    localEcs = TestSupport.start(dataDir);
    ecs = TestSupport.ecs(localEcs.endpoint());
  }

  @AfterAll
  static void stop() {
    if (ecs != null) {
      ecs.close();
    }
    if (localEcs != null) {
      localEcs.close();
    }
  }

  static ContainerDefinition web(String version) {
    return ContainerDefinition.builder()
        .name("web")
        .image(TestImages.BUSYBOX)
        .command(TestImages.WEB_COMMAND)
        .environment(KeyValuePair.builder().name("VERSION").value(version).build())
        .portMappings(PortMapping.builder().containerPort(8080).build())
        .healthCheck(
            HealthCheck.builder().command(TestImages.HEALTH_CHECK).interval(5).retries(2).build())
        .memory(64)
        .stopTimeout(2)
        .build();
  }

  static String get(int port) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    return response.body().strip();
  }

  static Service service(String cluster, String name) {
    return ecs.describeServices(r -> r.cluster(cluster).services(name)).services().get(0);
  }

  static List<Task> tasks(String cluster, String service) {
    List<String> arns = ecs.listTasks(r -> r.cluster(cluster).serviceName(service)).taskArns();
    if (arns.isEmpty()) {
      return List.of();
    }
    return ecs.describeTasks(r -> r.cluster(cluster).tasks(arns)).tasks();
  }

  @Test
  void createRegisterUpdateDescribeCycle() throws Exception {
    var cluster = ecs.createCluster(r -> r.clusterName("apps")).cluster();
    assertThat(cluster.clusterArn()).isEqualTo("arn:aws:ecs:us-east-1:000000000000:cluster/apps");
    assertThat(ecs.listClusters().clusterArns()).contains(cluster.clusterArn());

    var v1 =
        ecs.registerTaskDefinition(r -> r.family("web").containerDefinitions(web("v1")))
            .taskDefinition();
    assertThat(v1.taskDefinitionArn())
        .isEqualTo("arn:aws:ecs:us-east-1:000000000000:task-definition/web:1");
    assertThat(v1.revision()).isEqualTo(1);
    assertThat(v1.containerDefinitions().get(0).essential()).isTrue();

    Service created =
        ecs.createService(
                r ->
                    r.cluster("apps")
                        .serviceName("web")
                        .taskDefinition("web")
                        .desiredCount(2)
                        .deploymentConfiguration(
                            c -> c.minimumHealthyPercent(50).maximumPercent(200)))
            .service();
    assertThat(created.serviceArn())
        .isEqualTo("arn:aws:ecs:us-east-1:000000000000:service/apps/web");
    assertThat(created.deployments()).hasSize(1);
    assertThat(created.deployments().get(0).rolloutStateAsString()).isEqualTo("IN_PROGRESS");

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "COMPLETED"
                    .equals(service("apps", "web").deployments().get(0).rolloutStateAsString()));
    Service steady = service("apps", "web");
    assertThat(steady.runningCount()).isEqualTo(2);
    assertThat(steady.events().get(0).message())
        .isEqualTo("(service web) has reached a steady state.");
    List<Task> tasks = tasks("apps", "web");
    assertThat(tasks).hasSize(2);
    for (Task t : tasks) {
      assertThat(t.lastStatus()).isEqualTo("RUNNING");
      assertThat(t.healthStatusAsString()).isEqualTo("HEALTHY");
      assertThat(t.taskArn()).matches("arn:aws:ecs:us-east-1:000000000000:task/apps/[0-9a-f]{32}");
      assertThat(t.startedBy()).isEqualTo(steady.deployments().get(0).id());
      assertThat(t.group()).isEqualTo("service:web");
      int port = t.containers().get(0).networkBindings().get(0).hostPort();
      assertThat(port).isPositive();
      assertThat(get(port)).isEqualTo("v1");
    }

    ecs.registerTaskDefinition(r -> r.family("web").containerDefinitions(web("v2")));
    Service updated =
        ecs.updateService(r -> r.cluster("apps").service("web").taskDefinition("web:2")).service();
    assertThat(updated.taskDefinition()).endsWith("task-definition/web:2");
    assertThat(updated.deployments()).hasSize(2);
    Deployment primary = updated.deployments().get(0);
    assertThat(primary.status()).isEqualTo("PRIMARY");
    assertThat(primary.taskDefinition()).endsWith("web:2");
    assertThat(primary.rolloutStateAsString()).isEqualTo("IN_PROGRESS");
    assertThat(updated.deployments().get(1).status()).isEqualTo("ACTIVE");

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "COMPLETED"
                    .equals(service("apps", "web").deployments().get(0).rolloutStateAsString()));
    Service done = service("apps", "web");
    assertThat(done.deployments()).hasSize(1);
    assertThat(done.deployments().get(0).id()).isEqualTo(primary.id());
    assertThat(done.deployments().get(0).runningCount()).isEqualTo(2);
    assertThat(done.events())
        .extracting(e -> e.message())
        .anyMatch(
            m ->
                m.matches(
                    "\\(service web\\) has started 2 tasks: \\(task [0-9a-f]{32}\\) \\(task [0-9a-f]{32}\\)\\."))
        .anyMatch(m -> m.startsWith("(service web) has stopped "))
        .contains("(service web) (deployment " + primary.id() + ") deployment completed.");
    for (Task t : tasks("apps", "web")) {
      assertThat(t.taskDefinitionArn()).endsWith("web:2");
      assertThat(get(t.containers().get(0).networkBindings().get(0).hostPort())).isEqualTo("v2");
    }
    List<String> stopped =
        ecs.listTasks(
                r -> r.cluster("apps").serviceName("web").desiredStatus(DesiredStatus.STOPPED))
            .taskArns();
    assertThat(stopped).hasSizeGreaterThanOrEqualTo(2);
    Task old = ecs.describeTasks(r -> r.cluster("apps").tasks(stopped.get(0))).tasks().get(0);
    assertThat(old.stoppedReason())
        .startsWith("Scaling activity initiated by (deployment ecs-svc/");
    assertThat(old.taskDefinitionArn()).endsWith("web:1");

    assertThat(ecs.describeTaskDefinition(r -> r.taskDefinition("web")).taskDefinition().revision())
        .isEqualTo(2);
    assertThat(ecs.listTaskDefinitions(r -> r.familyPrefix("web")).taskDefinitionArns())
        .containsExactly(
            "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
            "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2");
    assertThat(ecs.listServices(r -> r.cluster("apps")).serviceArns())
        .containsExactly(done.serviceArn());

    assertThatThrownBy(() -> ecs.deleteService(r -> r.cluster("apps").service("web")))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("scaled above 0");
    ecs.deleteService(r -> r.cluster("apps").service("web").force(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> tasks("apps", "web").isEmpty());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> service("apps", "web").status().equals("INACTIVE"));
    ecs.deregisterTaskDefinition(r -> r.taskDefinition("web:1"));
    assertThat(
            ecs.describeTaskDefinition(r -> r.taskDefinition("web:1"))
                .taskDefinition()
                .statusAsString())
        .isEqualTo("INACTIVE");
    ecs.deleteCluster(r -> r.cluster("apps"));
    assertThat(ecs.describeClusters(r -> r.clusters("apps")).failures().get(0).reason())
        .isEqualTo("MISSING");
  }

  @Test
  void unknownClustersAndServicesRaiseTheirExceptions() {
    assertThatThrownBy(() -> ecs.describeServices(r -> r.cluster("nope").services("x")))
        .isInstanceOf(ClusterNotFoundException.class)
        .hasMessageContaining("Cluster not found.");
    assertThatThrownBy(
            () -> ecs.updateService(r -> r.cluster("default").service("nope").desiredCount(1)))
        .isInstanceOf(ServiceNotFoundException.class);
    assertThat(
            ecs.describeServices(r -> r.cluster("default").services("nope"))
                .failures()
                .get(0)
                .reason())
        .isEqualTo("MISSING");
    assertThatThrownBy(() -> ecs.describeTaskDefinition(r -> r.taskDefinition("nope:1")))
        .isInstanceOf(ClientException.class)
        .hasMessageContaining("Unable to describe task definition.");
  }

  @Test
  void invalidTaskDefinitionsAreRejectedWithEcsMessages() {
    assertThatThrownBy(() -> ecs.registerTaskDefinition(r -> r.family("bad")))
        .isInstanceOf(ClientException.class)
        .hasMessageContaining("containerDefinitions");
    assertThatThrownBy(
            () ->
                ecs.registerTaskDefinition(
                    r -> r.family("bad").containerDefinitions(web("a"), web("b"))))
        .isInstanceOf(ClientException.class)
        .hasMessageContaining("Duplicate container name 'web'");
    assertThatThrownBy(
            () ->
                ecs.registerTaskDefinition(
                    r ->
                        r.family("bad")
                            .requiresCompatibilitiesWithStrings("FARGATE")
                            .networkMode("awsvpc")
                            .cpu("256")
                            .memory("4096")
                            .containerDefinitions(web("a"))))
        .isInstanceOf(ClientException.class)
        .hasMessageContaining(
            "No Fargate configuration exists for given values: 256 CPU, 4096 memory");
    assertThatThrownBy(
            () ->
                ecs.registerTaskDefinition(
                    r ->
                        r.family("bad")
                            .containerDefinitions(web("a").toBuilder().memory(null).build())))
        .isInstanceOfSatisfying(
            ClientException.class,
            e ->
                assertThat(e.awsErrorDetails().errorMessage())
                    .isEqualTo(
                        "Invalid setting for container 'web'. At least one of 'memory' or"
                            + " 'memoryReservation' must be specified."));
    assertThatThrownBy(
            () ->
                ecs.registerTaskDefinition(
                    r ->
                        r.family("bad")
                            .containerDefinitions(web("a").toBuilder().image(" ").build())))
        .isInstanceOf(ClientException.class)
        .hasMessageContaining("Container.image should not be null or empty");
    assertThat(ecs.listTaskDefinitions(r -> r.familyPrefix("bad")).taskDefinitionArns()).isEmpty();
  }

  @Test
  void unknownFieldsAreRejectedNamingTheField() throws Exception {
    String body =
        "{\"family\":\"raw\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\",\"memory\":64,\"imagee\":\"y\"}]}";
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(localEcs.endpoint())
                    .header("X-Amz-Target", AwsHttp.ECS_PREFIX + "RegisterTaskDefinition")
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .contains("\"__type\":\"ClientException\"")
        .contains("'containerDefinitions[0].imagee'");
  }

  @Test
  void aTaskWhoseEssentialContainerExitsIsStoppedWithItsExitCodeAndLogs() {
    ecs.registerTaskDefinition(
        RegisterTaskDefinitionRequest.builder()
            .family("exits")
            .containerDefinitions(
                ContainerDefinition.builder()
                    .name("main")
                    .image(TestImages.BUSYBOX)
                    .command("sh", "-c", "echo hello from the task; echo to stderr >&2; exit 3")
                    .memory(32)
                    .build())
            .build());
    Task started = ecs.runTask(r -> r.taskDefinition("exits").startedBy("test")).tasks().get(0);
    assertThat(started.lastStatus()).isEqualTo("PROVISIONING");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> describe(started.taskArn()).lastStatus().equals("STOPPED"));
    Task stopped = describe(started.taskArn());
    assertThat(stopped.stoppedReason()).isEqualTo("Essential container in task exited");
    assertThat(stopped.stopCodeAsString()).isEqualTo("EssentialContainerExited");
    assertThat(stopped.containers().get(0).exitCode()).isEqualTo(3);
    assertThat(localEcs.logs(started.taskArn()))
        .contains("hello from the task")
        .contains("to stderr");
  }

  @Test
  void anImageThatCannotBePulledStopsTheTaskWithCannotPullContainerError() {
    ecs.registerTaskDefinition(
        r ->
            r.family("missing")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("main")
                        .image("localhost/gantry-test/does-not-exist:1")
                        .memory(32)
                        .build()));
    Task started = ecs.runTask(r -> r.taskDefinition("missing")).tasks().get(0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> describe(started.taskArn()).lastStatus().equals("STOPPED"));
    Task stopped = describe(started.taskArn());
    assertThat(stopped.stoppedReason()).startsWith("CannotPullContainerError: ");
    assertThat(stopped.stopCodeAsString()).isEqualTo("TaskFailedToStart");
    assertThat(stopped.containers().get(0).reason()).startsWith("CannotPullContainerError: ");
  }

  @Test
  void stopTaskSendsSigtermThenSigkillAfterTheStopTimeout() {
    ecs.registerTaskDefinition(
        r ->
            r.family("stubborn")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("main")
                        .image(TestImages.BUSYBOX)
                        .command(
                            "sh", "-c", "trap 'echo got TERM' TERM; while true; do sleep 1; done")
                        .workingDirectory("/tmp")
                        .user("65534")
                        .memory(32)
                        .stopTimeout(1)
                        .build()));
    Task started = ecs.runTask(r -> r.taskDefinition("stubborn")).tasks().get(0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> describe(started.taskArn()).lastStatus().equals("RUNNING"));
    ecs.stopTask(r -> r.task(started.taskArn()).reason("enough"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> describe(started.taskArn()).lastStatus().equals("STOPPED"));
    Task stopped = describe(started.taskArn());
    assertThat(stopped.stoppedReason()).isEqualTo("enough");
    assertThat(stopped.stopCodeAsString()).isEqualTo("UserInitiated");
    assertThat(stopped.containers().get(0).exitCode()).isEqualTo(137);
    assertThat(localEcs.logs(started.taskArn())).contains("got TERM");
  }

  @Test
  void dependsOnOrdersContainersAndLimitsReachTheEngine() throws Exception {
    ecs.registerTaskDefinition(
        r ->
            r.family("ordered")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("init")
                        .image(TestImages.BUSYBOX)
                        .essential(false)
                        .command("sh", "-c", "sleep 1; echo init done")
                        .memory(32)
                        .build(),
                    ContainerDefinition.builder()
                        .name("main")
                        .image(TestImages.BUSYBOX)
                        .dependsOn(
                            software.amazon.awssdk.services.ecs.model.ContainerDependency.builder()
                                .containerName("init")
                                .condition("SUCCESS")
                                .build())
                        .command("sh", "-c", "echo main started; sleep 300")
                        .memory(48)
                        .cpu(256)
                        .stopTimeout(1)
                        .build()));
    Task started = ecs.runTask(r -> r.taskDefinition("ordered")).tasks().get(0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> describe(started.taskArn()).lastStatus().equals("RUNNING"));
    Task running = describe(started.taskArn());
    var init = running.containers().stream().filter(c -> c.name().equals("init")).findFirst().get();
    var main = running.containers().stream().filter(c -> c.name().equals("main")).findFirst().get();
    // main was created only once init had exited with 0; init's exit did not stop the task.
    assertThat(localEcs.logs(started.taskArn()))
        .contains("==> init <==\ninit done")
        .contains("==> main <==\nmain started");
    try (DockerEngine engine = new DockerEngine(localEcs.dockerHost());
        var docker =
            com.github.dockerjava.core.DockerClientImpl.getInstance(
                com.github.dockerjava.core.DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(localEcs.dockerHost())
                    .build(),
                new com.github.dockerjava.zerodep.ZerodepDockerHttpClient.Builder()
                    .dockerHost(URI.create(localEcs.dockerHost()))
                    .build())) {
      assertThat(engine.inspect(init.runtimeId()).running()).isFalse();
      assertThat(engine.inspect(init.runtimeId()).exitCode()).isZero();
      var hostConfig = docker.inspectContainerCmd(main.runtimeId()).exec().getHostConfig();
      assertThat(hostConfig.getMemory()).isEqualTo(48L * 1024 * 1024);
      assertThat(hostConfig.getCpuShares()).isEqualTo(256);
    }
    ecs.stopTask(r -> r.task(started.taskArn()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> describe(started.taskArn()).lastStatus().equals("STOPPED"));
    assertThat(describe(started.taskArn()).stoppedReason()).isEqualTo("Task stopped by user");
  }

  @Test
  void aMalformedRequestIsAnErrorNotACrash() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(localEcs.endpoint())
                    .header("X-Amz-Target", AwsHttp.ECS_PREFIX + "CreateService")
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"serviceName\": "))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"__type\":\"SerializationException\"");
    assertThat(ecs.listClusters().clusterArns()).isNotEmpty();
  }

  static Task describe(String arn) {
    return describeIn(ecs, arn);
  }

  static String getAt(String host, int port) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return response.body().strip();
  }

  static Service serviceIn(EcsClient client, String name) {
    return client.describeServices(r -> r.services(name)).services().get(0);
  }

  /** The tasks of a service of the default cluster. */
  static List<Task> tasksIn(EcsClient client, String service) {
    List<String> arns = client.listTasks(r -> r.serviceName(service)).taskArns();
    return arns.isEmpty() ? List.of() : client.describeTasks(r -> r.tasks(arns)).tasks();
  }

  static Task describeIn(EcsClient client, String arn) {
    return client.describeTasks(r -> r.tasks(arn)).tasks().get(0);
  }
}
