package io.gantry.runner.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.localecs.LocalEcs;
import io.gantry.localecs.LocalEcsTesting;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * {@code aws-actions/amazon-ecs-deploy-task-definition} in whole workflows (real parser, executor,
 * run store) against a real local-ecs running the tasks as Podman containers: a rollout judged by
 * ECS's rolloutState, a broken release rolled back by the circuit breaker, a failing one-off task
 * that leaves the service alone, and two deploys of one service queued on its lock.
 */
@Tag("containers")
class EcsDeployTest {

  @TempDir static Path data;
  @TempDir static Path project;
  static LocalEcs localEcs;
  static EcsClient ecs;
  static RunStore store;
  static WorkflowExecutor executor;
  static ActionRegistry actions;
  static final AtomicInteger files = new AtomicInteger();
  static final String PROBE_TOKEN = "probe-token-5ecret";

  @BeforeAll
  static void start() {
    localEcs = LocalEcsTesting.start(data.resolve("local-ecs"));
    ecs =
        EcsClient.builder()
            .endpointOverride(localEcs.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    actions = BuiltInActions.registry();
    store = Stores.openEmbedded(data.resolve("gantry"));
    executor =
        new WorkflowExecutor(actions, store, ExecutorOptions.defaults(data.resolve("gantry")));
  }

  @AfterAll
  static void stop() {
    if (executor != null) {
      executor.close();
    }
    if (store != null) {
      store.close();
    }
    if (ecs != null) {
      ecs.close();
    }
    if (localEcs != null) {
      localEcs.close();
    }
  }

  /** A service of {@code count} tasks of a first version, with the circuit breaker on. */
  static void createService(String name, int count) {
    createService(name, count, true);
  }

  static void createService(String name, int count, boolean ecsRollback) {
    createService(name, count, 50, 200, ecsRollback);
  }

  static void createService(
      String name, int count, int minimumHealthy, int maximum, boolean ecsRollback) {
    String first =
        ecs.registerTaskDefinition(r -> r.family(name).containerDefinitions(container("v0", null)))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.createService(
        r ->
            r.serviceName(name)
                .taskDefinition(first)
                .desiredCount(count)
                .deploymentConfiguration(
                    c ->
                        c.minimumHealthyPercent(minimumHealthy)
                            .maximumPercent(maximum)
                            .deploymentCircuitBreaker(b -> b.enable(true).rollback(ecsRollback))));
  }

  static ContainerDefinition container(String version, List<String> command) {
    return ContainerDefinition.builder()
        .name("web")
        .image(LocalEcsTesting.IMAGE)
        .essential(true)
        .memory(64)
        .command(command == null ? LocalEcsTesting.WEB_COMMAND : command)
        .environment(KeyValuePair.builder().name("VERSION").value(version).build())
        .build();
  }

  /** A task definition file in the workspace; returns its name. */
  static String taskDefinitionFile(String family, String version, boolean broken) throws Exception {
    String command =
        broken
            ? "[\"sh\", \"-c\", \"echo broken; exit 3\"]"
            : "[\"sh\", \"-c\", \"mkdir -p /www && echo $VERSION > /www/index.html && trap 'exit"
                + " 0' TERM; httpd -f -p 8080 -h /www & wait\"]";
    String json =
        """
        {
          "family": "%s",
          "taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/%s:99",
          "revision": 99,
          "status": "ACTIVE",
          "containerDefinitions": [
            {
              "name": "web",
              "image": "%s",
              "essential": true,
              "memory": 64,
              "command": %s,
              "environment": [{"name": "VERSION", "value": "%s"}]
            }
          ]
        }
        """
            .formatted(family, family, LocalEcsTesting.IMAGE, command, version);
    String name = "td-" + files.incrementAndGet() + ".json";
    Files.writeString(project.resolve(name), json, StandardCharsets.UTF_8);
    return name;
  }

  record Run(RunResult result, List<String> log) {
    StepResult deployStep() {
      JobResult job = result.jobs().get(0);
      return job.steps().stream().filter(s -> "deploy".equals(s.id())).findFirst().orElseThrow();
    }

    String text() {
      return String.join("\n", log);
    }
  }

  static String workflow(String service, String file, String extraWith) {
    return """
        name: deploy
        on: push
        jobs:
          deploy:
            runs-on: ubuntu-latest
            steps:
              - id: deploy
                uses: aws-actions/amazon-ecs-deploy-task-definition@v2
                with:
                  task-definition: %s
                  service: %s
                  wait-for-minutes: 2
        %s
        """
        .formatted(file, service, extraWith.indent(10).stripTrailing());
  }

  static RunResult await(WorkflowExecutor.Execution execution) throws InterruptedException {
    return execution.await();
  }

  static WorkflowExecutor.Execution start(String yaml, List<String> log) throws Exception {
    Path file = project.resolve("deploy-" + files.incrementAndGet() + ".yml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    Workflow workflow = new WorkflowParser(actions).parse(file, file.getFileName().toString());
    RunRequest request =
        new RunRequest(
            workflow,
            "acme/web",
            "push",
            Map.of("ref", "refs/heads/main"),
            "refs/heads/main",
            "0123456789abcdef0123456789abcdef01234567",
            Map.of(),
            Map.of("PROBE_TOKEN", PROBE_TOKEN),
            Map.of(),
            Map.of(
                "AWS_ENDPOINT_URL_ECS", localEcs.endpoint().toString(),
                "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "local",
                "AWS_SECRET_ACCESS_KEY", "local-secret"),
            Set.of(),
            project,
            null,
            project,
            "octocat");
    RunListener listener =
        new RunListener() {
          @Override
          public void logLine(String jobKey, LogLine line) {
            log.add(line.text());
          }
        };
    return executor.start(request, listener);
  }

  static Run deploy(String service, String file, String extraWith) throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    RunResult result = await(start(workflow(service, file, extraWith), log));
    return new Run(result, log);
  }

  static Service service(String name) {
    return ecs.describeServices(r -> r.services(name)).services().get(0);
  }

  static List<Task> runningTasks(String name) {
    List<String> arns =
        ecs.listTasks(r -> r.serviceName(name).desiredStatus(DesiredStatus.RUNNING)).taskArns();
    return arns.isEmpty() ? List.of() : ecs.describeTasks(r -> r.tasks(arns)).tasks();
  }

  static ServiceKey key(String service) {
    return new ServiceKey(localEcs.endpoint().toString(), "default", service);
  }

  static List<Deployment> history(String service) {
    return store.deployHistory().list(key(service), 50);
  }

  @Test
  void aDeployOfFourTasksSucceedsWhenTheRolloutCompletesAndIsRecorded() throws Exception {
    createService("shop", 4);

    Run run = deploy("shop", taskDefinitionFile("shop", "v1", false), "");

    StepResult step = run.deployStep();
    assertThat(step.conclusion().label()).as(run.text()).isEqualTo("success");
    String arn = step.outputs().get("task-definition-arn");
    assertThat(arn).startsWith("arn:aws:ecs:us-east-1:000000000000:task-definition/shop:");
    // The read-only fields of the file were dropped: ECS numbered the revision itself.
    assertThat(arn).doesNotEndWith(":99");
    Service service = service("shop");
    assertThat(EcsRollout.primary(service).taskDefinition()).isEqualTo(arn);
    assertThat(EcsRollout.primary(service).rolloutStateAsString()).isEqualTo("COMPLETED");
    List<Task> running = runningTasks("shop");
    assertThat(running).hasSize(4).allMatch(t -> t.taskDefinitionArn().equals(arn));
    assertThat(run.log())
        .anyMatch(l -> l.startsWith("Registered task definition " + arn))
        .anyMatch(l -> l.startsWith("ECS: ") && l.contains("has started"))
        .anyMatch(l -> l.contains("completed: the service runs shop:"));

    List<Deployment> history = history("shop");
    assertThat(history).hasSize(1);
    Deployment d = history.get(0);
    assertThat(d.outcome()).isEqualTo(DeployHistory.Outcome.SUCCEEDED);
    assertThat(d.taskDefinition()).isEqualTo(arn);
    assertThat(d.images()).containsExactly(LocalEcsTesting.IMAGE);
    assertThat(d.runId()).isEqualTo(run.result().runId());
    assertThat(d.sha()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
    assertThat(d.trigger()).isEqualTo("octocat");
    assertThat(d.kind()).isEqualTo(DeployHistory.Kind.DEPLOY);
    assertThat(d.finishedAt()).isAfterOrEqualTo(d.startedAt());
  }

  @Test
  void aReleaseWhoseContainerExitsIsRolledBackByEcsAndTheStepSaysSo() throws Exception {
    createService("cart", 2);
    Run good = deploy("cart", taskDefinitionFile("cart", "v1", false), "");
    assertThat(good.deployStep().conclusion().label()).as(good.text()).isEqualTo("success");
    String goodArn = good.deployStep().outputs().get("task-definition-arn");

    Run broken = deploy("cart", taskDefinitionFile("cart", "v2", true), "");

    StepResult step = broken.deployStep();
    assertThat(step.conclusion().label()).isEqualTo("failure");
    assertThat(step.message())
        .startsWith(
            "aws-actions/amazon-ecs-deploy-task-definition: ECS rolled back to "
                + goodArn
                + ": ECS deployment circuit breaker: tasks failed to start.")
        .endsWith(
            "rolled back to "
                + EcsRollout.shortName(goodArn)
                + " from run "
                + good.result().runId());
    // The stop reasons and exit codes of the failed tasks were in the log as they happened.
    assertThat(broken.log())
        .anyMatch(l -> l.startsWith("ECS: task ") && l.contains("web exited 3"))
        .anyMatch(l -> l.startsWith("ECS: ") && l.contains("deployment failed"));
    assertThat(EcsRollout.primary(service("cart")).taskDefinition()).isEqualTo(goodArn);
    assertThat(runningTasks("cart"))
        .hasSize(2)
        .allMatch(t -> t.taskDefinitionArn().equals(goodArn));

    List<Deployment> history = history("cart");
    assertThat(history)
        .extracting(Deployment::outcome)
        .containsExactly(DeployHistory.Outcome.ROLLED_BACK, DeployHistory.Outcome.SUCCEEDED);
    assertThat(history.get(0).message()).startsWith("ECS rolled back to " + goodArn);
  }

  @Test
  void aOneOffTaskExitingOneStopsTheDeployBeforeTheServiceChanges() throws Exception {
    createService("billing", 2);
    Run good = deploy("billing", taskDefinitionFile("billing", "v1", false), "");
    assertThat(good.deployStep().conclusion().label()).as(good.text()).isEqualTo("success");
    String goodArn = good.deployStep().outputs().get("task-definition-arn");

    Run run =
        deploy(
            "billing",
            taskDefinitionFile("billing", "v2", false),
            """
            run-task: true
            run-task-command: '["sh", "-c", "echo migrating the schema; exit 1"]'
            """);

    StepResult step = run.deployStep();
    assertThat(step.conclusion().label()).isEqualTo("failure");
    assertThat(step.message())
        .contains("the one-off task ")
        .contains("failed: web exited 1")
        .endsWith("the service was not changed");
    assertThat(run.log()).contains("| migrating the schema");
    Service service = service("billing");
    assertThat(service.taskDefinition()).isEqualTo(goodArn);
    assertThat(service.deployments()).hasSize(1);
    // Nothing was recorded as deployed.
    assertThat(history("billing")).hasSize(1);
  }

  @Test
  void twoDeploysOfOneServiceRunOneAfterTheOther() throws Exception {
    createService("search", 2);
    List<String> firstLog = new CopyOnWriteArrayList<>();
    List<String> secondLog = new CopyOnWriteArrayList<>();
    WorkflowExecutor.Execution first =
        start(workflow("search", taskDefinitionFile("search", "v1", false), ""), firstLog);
    WorkflowExecutor.Execution second =
        start(workflow("search", taskDefinitionFile("search", "v2", false), ""), secondLog);
    RunResult a = await(first);
    RunResult b = await(second);

    assertThat(a.conclusion().label()).as(String.join("\n", firstLog)).isEqualTo("success");
    assertThat(b.conclusion().label()).as(String.join("\n", secondLog)).isEqualTo("success");
    List<String> waits = new ArrayList<>();
    for (String line : firstLog) {
      if (line.startsWith("Waiting for another deploy of default/search")) {
        waits.add("first");
      }
    }
    for (String line : secondLog) {
      if (line.startsWith("Waiting for another deploy of default/search")) {
        waits.add("second");
      }
    }
    assertThat(waits).as("exactly one of the two waited").hasSize(1);
    List<Deployment> history = history("search");
    assertThat(history)
        .hasSize(2)
        .allMatch(d -> d.outcome().equals(DeployHistory.Outcome.SUCCEEDED));
    Deployment earlier = history.get(1);
    Deployment later = history.get(0);
    assertThat(later.startedAt()).isAfterOrEqualTo(earlier.finishedAt());
    // The waiting run named the run it waited for.
    long holderRun = earlier.runId();
    List<String> waiterLog = waits.get(0).equals("first") ? firstLog : secondLog;
    assertThat(waiterLog).anyMatch(l -> l.contains("run " + holderRun + " by octocat"));
  }

  static final Map<String, String> AWS_ENV =
      Map.of(
          "AWS_REGION",
          "us-east-1",
          "AWS_ACCESS_KEY_ID",
          "local",
          "AWS_SECRET_ACCESS_KEY",
          "local-secret");

  static Map<String, String> awsEnv() {
    Map<String, String> env = new java.util.HashMap<>(AWS_ENV);
    env.put("AWS_ENDPOINT_URL_ECS", localEcs.endpoint().toString());
    return env;
  }

  @Test
  void theRollbackStepAfterTwoGoodDeploysReturnsToTheFirst() throws Exception {
    createService("orders", 2);
    Run first = deploy("orders", taskDefinitionFile("orders", "v1", false), "");
    Run second = deploy("orders", taskDefinitionFile("orders", "v2", false), "");
    assertThat(first.deployStep().conclusion().label()).as(first.text()).isEqualTo("success");
    assertThat(second.deployStep().conclusion().label()).as(second.text()).isEqualTo("success");
    String firstArn = first.deployStep().outputs().get("task-definition-arn");
    long secondId = history("orders").get(0).id();

    List<String> log = new CopyOnWriteArrayList<>();
    RunResult rollback =
        await(
            start(
                """
                name: rollback
                on: push
                jobs:
                  rollback:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: gantry/ecs-rollback@v1
                        with:
                          service: orders
                          wait-for-minutes: 2
                """,
                log));

    assertThat(rollback.conclusion().label()).as(String.join("\n", log)).isEqualTo("success");
    assertThat(log)
        .contains(
            "Rolled back to "
                + EcsRollout.shortName(firstArn)
                + " from run "
                + first.result().runId());
    assertThat(EcsRollout.primary(service("orders")).taskDefinition()).isEqualTo(firstArn);
    assertThat(runningTasks("orders"))
        .hasSize(2)
        .allMatch(t -> t.taskDefinitionArn().equals(firstArn));
    Deployment newest = history("orders").get(0);
    assertThat(newest.kind()).isEqualTo(DeployHistory.Kind.ROLLBACK);
    assertThat(newest.outcome()).isEqualTo(DeployHistory.Outcome.SUCCEEDED);
    assertThat(newest.taskDefinition()).isEqualTo(firstArn);
    assertThat(newest.rollbackOf()).isEqualTo(secondId);
    assertThat(newest.runId()).isEqualTo(rollback.runId());
  }

  @Test
  void aRollbackWithNoKnownGoodDeploymentFailsAndChangesNothing() throws Exception {
    createService("ledger", 1);
    String before = service("ledger").taskDefinition();
    ServiceRollback.Request request =
        new ServiceRollback.Request(
            awsEnv(),
            "default",
            "ledger",
            "",
            true,
            java.time.Duration.ofMinutes(1),
            "gantry rollback",
            null,
            null);

    ServiceRollback.Result none =
        ServiceRollback.rollBack(request, store.deployHistory(), l -> {}, () -> false);

    assertThat(none.succeeded()).isFalse();
    assertThat(none.message())
        .isEqualTo(
            "no known good deployment of default/ledger before now (no deployment is recorded);"
                + " nothing was changed. Name one with --to (gantry deployments ledger lists them)");
    assertThat(service("ledger").taskDefinition()).isEqualTo(before);
    assertThat(history("ledger")).isEmpty();

    // With one good deploy, that deploy is what runs: there is still nothing earlier to go to.
    Run only = deploy("ledger", taskDefinitionFile("ledger", "v1", false), "");
    assertThat(only.deployStep().conclusion().label()).as(only.text()).isEqualTo("success");
    String deployed = service("ledger").taskDefinition();
    ServiceRollback.Result stillNone =
        ServiceRollback.rollBack(request, store.deployHistory(), l -> {}, () -> false);
    assertThat(stillNone.succeeded()).isFalse();
    assertThat(stillNone.message())
        .startsWith("no known good deployment of default/ledger before deployment ");
    assertThat(service("ledger").taskDefinition()).isEqualTo(deployed);
    assertThat(service("ledger").deployments()).hasSize(1);
    assertThat(history("ledger")).hasSize(1);
  }

  @Test
  void whenEcsDoesNotRollBackGantryRedeploysTheLastKnownGoodAndRecordsIt() throws Exception {
    createService("mail", 2, false);
    Run good = deploy("mail", taskDefinitionFile("mail", "v1", false), "");
    assertThat(good.deployStep().conclusion().label()).as(good.text()).isEqualTo("success");
    String goodArn = good.deployStep().outputs().get("task-definition-arn");

    Run broken = deploy("mail", taskDefinitionFile("mail", "v2", true), "");

    StepResult step = broken.deployStep();
    assertThat(step.conclusion().label()).isEqualTo("failure");
    assertThat(step.message())
        .contains("failed: ECS deployment circuit breaker: tasks failed to start.")
        .endsWith(
            "rolled back to "
                + EcsRollout.shortName(goodArn)
                + " from run "
                + good.result().runId());
    assertThat(broken.log()).anyMatch(l -> l.startsWith("Rolling back default/mail to " + goodArn));
    assertThat(EcsRollout.primary(service("mail")).taskDefinition()).isEqualTo(goodArn);
    assertThat(runningTasks("mail"))
        .hasSize(2)
        .allMatch(t -> t.taskDefinitionArn().equals(goodArn));
    List<Deployment> history = history("mail");
    assertThat(history)
        .extracting(Deployment::kind, Deployment::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.ROLLBACK, DeployHistory.Outcome.SUCCEEDED),
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.ROLLED_BACK),
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.SUCCEEDED));
    assertThat(history.get(0).rollbackOf()).isEqualTo(history.get(1).id());
    assertThat(history.get(0).taskDefinition()).isEqualTo(goodArn);

    // rollback: never leaves the failed deployment in place.
    Run unguarded = deploy("mail", taskDefinitionFile("mail", "v3", true), "rollback: never\n");
    assertThat(unguarded.deployStep().message())
        .endsWith("(rollback: never, no rollback by Gantry)");
    assertThat(history("mail").get(0).outcome()).isEqualTo(DeployHistory.Outcome.FAILED);
    assertThat(history("mail")).hasSize(4);
  }

  // A health check after the deploy, in the same job: recorded on the deployment when it passes,
  // the deploy rolled back when it fails.

  static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * A service of one task, replaced stop-first (0 %/100 %) so that a task definition publishing a
   * fixed host port can follow the one before it.
   */
  static void createServiceOnPort(String name) {
    createService(name, 1, 0, 100, true);
  }

  /**
   * A task definition file of a web server on 8080 (published on {@code port}, or a free port for
   * 0) answering its version at {@code /}, and at {@code /health} as {@code {"version": "v1"}} when
   * {@code healthy} (a 404 otherwise).
   */
  static String webFile(String family, String version, int port, boolean healthy) throws Exception {
    String script =
        "mkdir -p /www && echo $VERSION > /www/index.html && "
            + (healthy ? "echo '{\"version\": \"'$VERSION'\"}' > /www/health && " : "")
            + "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait";
    var root = JSON.createObjectNode().put("family", family);
    var web = root.putArray("containerDefinitions").addObject();
    web.put("name", "web")
        .put("image", LocalEcsTesting.IMAGE)
        .put("essential", true)
        .put("memory", 64);
    web.putArray("command").add("sh").add("-c").add(script);
    web.putArray("environment").addObject().put("name", "VERSION").put("value", version);
    var mapping = web.putArray("portMappings").addObject().put("containerPort", 8080);
    if (port != 0) {
      mapping.put("hostPort", port);
    }
    String name = "td-" + files.incrementAndGet() + ".json";
    Files.writeString(project.resolve(name), JSON.writeValueAsString(root), StandardCharsets.UTF_8);
    return name;
  }

  /** A job: deploy {@code file}, then check {@code /health} on {@code port} for {@code version}. */
  static Run deployAndCheck(
      String service, String file, int port, String version, String deployWith, String checkWith)
      throws Exception {
    String yaml =
        "name: deploy\n"
            + "on: push\n"
            + "jobs:\n"
            + "  deploy:\n"
            + "    runs-on: ubuntu-latest\n"
            + "    steps:\n"
            + "      - id: deploy\n"
            + "        uses: aws-actions/amazon-ecs-deploy-task-definition@v2\n"
            + "        with:\n"
            + "          task-definition: "
            + file
            + "\n"
            + "          service: "
            + service
            + "\n"
            + "          wait-for-minutes: 2\n"
            + deployWith.indent(10)
            + "      - id: health\n"
            + "        uses: gantry/health-check@v1\n"
            + "        with:\n"
            + "          url: http://127.0.0.1:"
            + port
            + "/health\n"
            + "          expect-json: $.version == "
            + version
            + "\n"
            + "          interval: 200ms\n"
            + "          consecutive-successes: 2\n"
            + checkWith.indent(10);
    List<String> log = new CopyOnWriteArrayList<>();
    return new Run(await(start(yaml, log)), log);
  }

  static StepResult step(Run run, String id) {
    return run.result().jobs().get(0).steps().stream()
        .filter(s -> id.equals(s.id()))
        .findFirst()
        .orElseThrow();
  }

  static String arnOf(Run run) {
    return run.deployStep().outputs().get("task-definition-arn");
  }

  @Test
  void aFailingHealthCheckAfterTheDeployRollsBackToTheLastKnownGoodAndReRunsItsCheck()
      throws Exception {
    int port = freePort();
    createServiceOnPort("pay");
    Run v1 =
        deployAndCheck(
            "pay",
            webFile("pay", "v1", port, true),
            port,
            "v1",
            "",
            "headers: 'Authorization: Bearer ${{ secrets.PROBE_TOKEN }}'");
    assertThat(v1.result().conclusion().label()).as(v1.text()).isEqualTo("success");
    Run v2 =
        deployAndCheck(
            "pay", webFile("pay", "v2", port, true), port, "v2", "", "headers: 'X-Probe: gantry'");
    assertThat(v2.result().conclusion().label()).as(v2.text()).isEqualTo("success");
    String v2Arn = arnOf(v2);

    // The checks that passed are recorded on their deployments, a secret header never.
    List<Deployment> before = history("pay");
    assertThat(before).hasSize(2);
    var v2Check = JSON.readTree(before.get(0).healthCheck());
    assertThat(v2Check.get("url").asText()).isEqualTo("http://127.0.0.1:" + port + "/health");
    assertThat(v2Check.get("expect-json").asText()).isEqualTo("$.version == v2");
    assertThat(v2Check.get("headers").asText()).isEqualTo("X-Probe: gantry");
    assertThat(v2Check.get("interval").asText()).isEqualTo("200ms");
    assertThat(v2Check.get("consecutive-successes").asText()).isEqualTo("2");
    assertThat(v2Check.get("expect-status").asText()).isEqualTo("200-399");
    var v1Check = JSON.readTree(before.get(1).healthCheck());
    assertThat(v1Check.get("expect-json").asText()).isEqualTo("$.version == v1");
    assertThat(v1Check.has("headers")).isFalse();
    assertThat(before.get(1).healthCheck()).doesNotContain(PROBE_TOKEN);
    assertThat(v1.log()).anyMatch(l -> l.startsWith("The headers hold a secret"));
    assertThat(v2.log())
        .contains(
            "Recorded this health check on deployment " + before.get(0).id() + " of default/pay");

    Run v3 =
        deployAndCheck("pay", webFile("pay", "v3", port, false), port, "v3", "", "timeout: 3s");

    assertThat(v3.deployStep().conclusion().label()).as(v3.text()).isEqualTo("success");
    StepResult check = step(v3, "health");
    assertThat(check.conclusion().label()).isEqualTo("failure");
    assertThat(check.message())
        .startsWith(
            "gantry/health-check: http://127.0.0.1:" + port + "/health was not healthy within 3s")
        .contains("expected 200-399")
        .endsWith(
            "; rolled back to " + EcsRollout.shortName(v2Arn) + " from run " + v2.result().runId())
        .doesNotContain("\n");
    assertThat(EcsRollout.primary(service("pay")).taskDefinition()).isEqualTo(v2Arn);
    assertThat(runningTasks("pay")).hasSize(1).allMatch(t -> t.taskDefinitionArn().equals(v2Arn));

    List<Deployment> after = history("pay");
    assertThat(after)
        .extracting(Deployment::kind, Deployment::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.ROLLBACK, DeployHistory.Outcome.SUCCEEDED),
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.ROLLED_BACK),
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.SUCCEEDED),
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.SUCCEEDED));
    Deployment rollback = after.get(0);
    assertThat(rollback.taskDefinition()).isEqualTo(v2Arn);
    assertThat(rollback.rollbackOf()).isEqualTo(after.get(1).id());
    assertThat(rollback.runId()).isEqualTo(v3.result().runId());
    assertThat(rollback.healthCheck()).isEqualTo(before.get(0).healthCheck());
    assertThat(after.get(1).message()).startsWith("its health check failed: http://127.0.0.1:");
    // v2's recorded check ran again once v2 was back, and passed.
    int recheck =
        v3.log()
            .indexOf(
                "Re-running the health check of deployment "
                    + before.get(0).id()
                    + " (run "
                    + v2.result().runId()
                    + ")");
    assertThat(recheck).as(v3.text()).isPositive();
    assertThat(v3.log().subList(recheck, v3.log().size()))
        .anyMatch(l -> l.contains("$.version == v2"))
        .anyMatch(
            l -> l.startsWith("Healthy: http://127.0.0.1:" + port + "/health passed 2 probes"));
  }

  @Test
  void aFailingHealthCheckWithNoKnownGoodDeploymentSaysSoAndChangesNothing() throws Exception {
    int port = freePort();
    createServiceOnPort("news");

    Run v1 =
        deployAndCheck("news", webFile("news", "v1", port, false), port, "v1", "", "timeout: 2s");

    String v1Arn = arnOf(v1);
    StepResult check = step(v1, "health");
    assertThat(check.conclusion().label()).as(v1.text()).isEqualTo("failure");
    long id = history("news").get(0).id();
    assertThat(check.message())
        .endsWith(
            "; no known good deployment of default/news to roll back to, nothing was changed"
                + " (deployment "
                + id
                + " is recorded as failed)");
    assertThat(v1.log()).noneMatch(l -> l.startsWith("Rolling back"));
    Service service = service("news");
    assertThat(service.taskDefinition()).isEqualTo(v1Arn);
    assertThat(service.deployments()).hasSize(1);
    List<Deployment> history = history("news");
    assertThat(history).hasSize(1);
    assertThat(history.get(0).outcome()).isEqualTo(DeployHistory.Outcome.FAILED);
    assertThat(history.get(0).healthCheck()).isNull();
  }

  @Test
  void withRollbackNeverAFailingHealthCheckLeavesTheDeployInPlace() throws Exception {
    int port = freePort();
    createServiceOnPort("auth");
    Run v1 = deployAndCheck("auth", webFile("auth", "v1", port, true), port, "v1", "", "");
    assertThat(v1.result().conclusion().label()).as(v1.text()).isEqualTo("success");

    Run v2 =
        deployAndCheck(
            "auth",
            webFile("auth", "v2", port, false),
            port,
            "v2",
            "rollback: never",
            "timeout: 2s");

    String v2Arn = arnOf(v2);
    StepResult check = step(v2, "health");
    assertThat(check.conclusion().label()).as(v2.text()).isEqualTo("failure");
    assertThat(check.message())
        .endsWith("is recorded as failed (rollback: never, no rollback by Gantry)");
    assertThat(v2.log()).noneMatch(l -> l.startsWith("Rolling back"));
    assertThat(EcsRollout.primary(service("auth")).taskDefinition()).isEqualTo(v2Arn);
    assertThat(history("auth"))
        .extracting(Deployment::kind, Deployment::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.FAILED),
            org.assertj.core.groups.Tuple.tuple(
                DeployHistory.Kind.DEPLOY, DeployHistory.Outcome.SUCCEEDED));
  }

  // service-definition: the service created from a file in the repository when it is missing.

  static String serviceDefinitionFile(String json) throws Exception {
    String name = "svc-" + files.incrementAndGet() + ".json";
    Files.writeString(project.resolve(name), json, StandardCharsets.UTF_8);
    return name;
  }

  static String fetch(String url) throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    return client
        .send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body()
        .trim();
  }

  @Test
  void aServiceDefinitionCreatesTheMissingServiceBehindALoadBalancerAndALaterDeployUpdatesIt()
      throws Exception {
    String svc =
        serviceDefinitionFile(
            """
            {
              "serviceName": "catalog",
              "desiredCount": 1,
              "deploymentConfiguration": {
                "minimumHealthyPercent": 50,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": true, "rollback": true}
              },
              "loadBalancers": [
                {"targetGroupArn": "catalog-web", "containerName": "web", "containerPort": 8080}
              ]
            }
            """);
    Run missing = deploy("catalog", webFile("catalog", "v0", 0, true), "");
    assertThat(missing.deployStep().message())
        .contains("service 'catalog' was not found in cluster 'default'")
        .endsWith("or give service-definition to create it");

    Run created =
        deploy(
            "catalog",
            webFile("catalog", "v1", 0, true),
            "service-definition: " + svc + "\ndesired-count: 2");

    assertThat(created.deployStep().conclusion().label()).as(created.text()).isEqualTo("success");
    String v1Arn = arnOf(created);
    assertThat(created.log()).contains("Creating service default/catalog from " + svc);
    Service service = service("catalog");
    assertThat(service.desiredCount()).isEqualTo(2);
    assertThat(service.loadBalancers()).hasSize(1);
    assertThat(service.loadBalancers().get(0).containerPort()).isEqualTo(8080);
    assertThat(EcsRollout.primary(service).taskDefinition()).isEqualTo(v1Arn);
    assertThat(runningTasks("catalog"))
        .hasSize(2)
        .allMatch(t -> t.taskDefinitionArn().equals(v1Arn));
    String balancer =
        service.events().stream()
            .map(
                e ->
                    java.util.regex.Pattern.compile("is listening on (http://127\\.0\\.0\\.1:\\d+)")
                        .matcher(e.message()))
            .filter(java.util.regex.Matcher::find)
            .map(m -> m.group(1))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no load balancer event: " + service.events()));
    assertThat(fetch(balancer + "/")).isEqualTo("v1");

    Run updated =
        deploy("catalog", webFile("catalog", "v2", 0, true), "service-definition: " + svc);

    assertThat(updated.deployStep().conclusion().label()).as(updated.text()).isEqualTo("success");
    assertThat(updated.log())
        .contains(
            "The service exists: "
                + svc
                + " (service-definition) is ignored, the service"
                + " is updated");
    assertThat(fetch(balancer + "/")).isEqualTo("v2");
    assertThat(history("catalog"))
        .hasSize(2)
        .allMatch(
            d ->
                d.outcome().equals(DeployHistory.Outcome.SUCCEEDED)
                    && d.kind().equals(DeployHistory.Kind.DEPLOY));
  }

  @Test
  void aBadServiceDefinitionFailsInOneLineBeforeAnythingIsRegistered() throws Exception {
    String svc =
        serviceDefinitionFile(
            """
            {"serviceName": "drafts", "desiredCount": 1, "loadBalancer": []}
            """);

    Run run = deploy("drafts", webFile("drafts", "v1", 0, true), "service-definition: " + svc);

    assertThat(run.deployStep().message())
        .isEqualTo(
            "aws-actions/amazon-ecs-deploy-task-definition: "
                + svc
                + ": unknown field 'loadBalancer' (not a field of CreateService)");
    assertThat(ecs.listTaskDefinitions(r -> r.familyPrefix("drafts")).taskDefinitionArns())
        .isEmpty();
    assertThat(ecs.describeServices(r -> r.services("drafts")).services()).isEmpty();
  }

  @Test
  void gantryRollbackReRunsTheTargetsRecordedCheckAndFailsWhenItFails() throws Exception {
    int port = freePort();
    createServiceOnPort("tax");
    Run v1 = deployAndCheck("tax", webFile("tax", "v1", port, true), port, "v1", "", "");
    Run v2 = deployAndCheck("tax", webFile("tax", "v2", port, true), port, "v2", "", "");
    assertThat(v1.result().conclusion().label()).as(v1.text()).isEqualTo("success");
    assertThat(v2.result().conclusion().label()).as(v2.text()).isEqualTo("success");
    long v1Id = history("tax").get(1).id();
    // v1's recorded check now asks for what v1 never answers.
    store
        .deployHistory()
        .recordHealthCheck(
            v1Id,
            "{\"url\":\"http://127.0.0.1:"
                + port
                + "/health\",\"expect-json\":\"$.version =="
                + " v9\",\"interval\":\"200ms\",\"timeout\":\"1s\"}");
    List<String> log = new CopyOnWriteArrayList<>();

    ServiceRollback.Result result =
        ServiceRollback.rollBack(
            new ServiceRollback.Request(
                awsEnv(),
                "default",
                "tax",
                "",
                true,
                java.time.Duration.ofMinutes(2),
                "gantry rollback by alice",
                null,
                null),
            store.deployHistory(),
            log::add,
            () -> false);

    assertThat(result.succeeded()).as(String.join("\n", log)).isFalse();
    assertThat(result.message())
        .startsWith(
            "the rollback to "
                + EcsRollout.shortName(arnOf(v1))
                + " failed: the health check of"
                + " deployment "
                + v1Id
                + " failed after the rollback: http://127.0.0.1:"
                + port
                + "/health was not healthy within 1s")
        .contains("$.version is \"v1\", expected v9");
    assertThat(log)
        .contains(
            "Re-running the health check of deployment "
                + v1Id
                + " (run "
                + v1.result().runId()
                + ")");
    Deployment rollback = history("tax").get(0);
    assertThat(rollback.kind()).isEqualTo(DeployHistory.Kind.ROLLBACK);
    assertThat(rollback.outcome()).isEqualTo(DeployHistory.Outcome.FAILED);
    assertThat(rollback.message()).startsWith("the health check of deployment " + v1Id);
  }
}
