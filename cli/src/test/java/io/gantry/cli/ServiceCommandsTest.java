package io.gantry.cli;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.localecs.LocalEcs;
import io.gantry.localecs.LocalEcsTesting;
import io.gantry.runner.expression.Expressions;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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

/**
 * {@code gantry deployments} and {@code gantry rollback} against a server (separate CLI processes,
 * {@code --server} and {@code GANTRY_API_TOKEN}) whose embedded local-ecs runs the services' tasks
 * as Podman containers; the deploy history is made by real runs of a workflow deploying through
 * {@code aws-actions/amazon-ecs-deploy-task-definition}.
 */
@Tag("containers")
class ServiceCommandsTest {

  private static final String TOKEN = "service-api-token";

  @TempDir static Path dir;
  static GantryServer server;
  static EcsClient ecs;
  static String endpoint;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    LocalEcsTesting.requireContainers();
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(
        repo.resolve(".github/workflows/deploy.yml"),
        """
        name: deploy
        on:
          workflow_dispatch:
            inputs:
              service:
                required: true
              version:
                required: true
        jobs:
          deploy:
            runs-on: x
            steps:
              - uses: actions/checkout@v4
              - run: sed "s/VERSION_HERE/${{ inputs.version }}/" td.json > rendered.json
              - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
                with:
                  task-definition: rendered.json
                  service: ${{ inputs.service }}
                  wait-for-minutes: 2
        """);
    Files.writeString(
        repo.resolve("td.json"),
        """
        {
          "family": "web",
          "containerDefinitions": [
            {
              "name": "web",
              "image": "%s",
              "essential": true,
              "memory": 64,
              "command": ["sh", "-c", "mkdir -p /www && echo $VERSION > /www/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"],
              "environment": [{"name": "VERSION", "value": "VERSION_HERE"}]
            }
          ]
        }
        """
            .formatted(LocalEcsTesting.IMAGE));
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x");
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 2\nrepositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: file://"
            + repo
            + "\n    webhook-secret: s\n"
            + "local-ecs:\n  port: 0\n  region: us-east-1\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
    LocalEcs localEcs = server.localEcs().orElseThrow();
    LocalEcsTesting.loadTestImage(localEcs);
    endpoint = localEcs.endpoint().toString();
    ecs =
        EcsClient.builder()
            .endpointOverride(localEcs.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (ecs != null) {
        // The embedded local-ecs leaves tasks running on close (a server keeps its services):
        // delete the test's services, wait for their tasks to stop and remove their containers.
        Set<String> tasks = new HashSet<>(allTasks());
        for (String name : List.of("web", "idle")) {
          try {
            ecs.deleteService(r -> r.service(name).force(true));
          } catch (RuntimeException notCreated) {
            // The test that creates it did not run.
          }
        }
        for (int i = 0;
            i < 300
                && !ecs.listTasks(r -> r.desiredStatus(DesiredStatus.RUNNING)).taskArns().isEmpty();
            i++) {
          Thread.sleep(100);
        }
        tasks.addAll(allTasks());
        LocalEcsTesting.removeContainers(server.localEcs().orElseThrow(), tasks);
        ecs.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private static List<String> allTasks() {
    List<String> arns =
        new ArrayList<>(ecs.listTasks(r -> r.desiredStatus(DesiredStatus.RUNNING)).taskArns());
    arns.addAll(ecs.listTasks(r -> r.desiredStatus(DesiredStatus.STOPPED)).taskArns());
    return arns;
  }

  @Test
  void rollbackThroughTheServerAfterTwoGoodDeploysReturnsToTheFirst() throws Exception {
    createService("web");
    long firstRun = deploy("web", "v1");
    long secondRun = deploy("web", "v2");
    assertThat(taskDefinitionOf("web")).endsWith("task-definition/web:3");
    List<?> before = deployments("web");
    assertThat(before).hasSize(2);
    long firstDeployment = number(((Map<?, ?>) before.get(1)).get("id"));
    long secondDeployment = number(((Map<?, ?>) before.get(0)).get("id"));

    Cli rollback = gantry("rollback", "web");

    assertThat(rollback.exit).as(rollback.output).isZero();
    List<String> lines = rollback.output.lines().toList();
    assertThat(lines.get(0))
        .isEqualTo(
            "Rolling back default/web to arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"
                + " (deployment "
                + firstDeployment
                + " from run "
                + firstRun
                + ")");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("Rolled back to web:2 from run " + firstRun);
    assertThat(taskDefinitionOf("web")).endsWith("task-definition/web:2");
    assertThat(runningTaskDefinitions("web")).containsOnly("web:2");

    List<?> after = deployments("web");
    assertThat(after).hasSize(3);
    Map<?, ?> newest = (Map<?, ?>) after.get(0);
    assertThat(newest.get("kind")).isEqualTo("rollback");
    assertThat(newest.get("outcome")).isEqualTo("succeeded");
    assertThat((String) newest.get("taskDefinition")).endsWith("task-definition/web:2");
    assertThat(newest.get("trigger")).isEqualTo("gantry rollback by api");
    assertThat(number(newest.get("rollbackOf"))).isEqualTo(secondDeployment);
    assertThat(newest.get("endpoint")).isEqualTo(endpoint);
    assertThat(Instant.parse((String) newest.get("finishedAt")))
        .isAfterOrEqualTo(Instant.parse((String) newest.get("startedAt")));
    Map<?, ?> second = (Map<?, ?>) after.get(1);
    assertThat(number(second.get("runId"))).isEqualTo(secondRun);
    assertThat(second.get("images")).isEqualTo(List.of(LocalEcsTesting.IMAGE));

    Cli remote = gantry("deployments", "web");
    assertThat(remote.exit).as(remote.output).isZero();
    List<String> table = remote.output.lines().toList();
    assertThat(table).hasSize(4);
    assertThat(table.get(1))
        .startsWith(number(newest.get("id")) + " ")
        .contains(" rollback  succeeded    web:2 ")
        .endsWith(" gantry rollback by api");
    assertThat(table.get(3))
        .contains(" deploy    succeeded    web:2 ")
        .contains(" " + firstRun + " ");
    Cli local =
        command(
            Map.of(),
            "deployments",
            "web",
            "--local",
            "--data-dir",
            dir.resolve("data").toString(),
            "--endpoint",
            endpoint,
            "--region",
            "us-east-1");
    assertThat(local.exit).as(local.output).isZero();
    assertThat(local.output).isEqualTo(remote.output);

    Cli noWait = gantry("rollback", "web", "--to", Long.toString(secondDeployment), "--no-wait");
    assertThat(noWait.exit).as(noWait.output).isZero();
    assertThat(noWait.output.lines().reduce((a, b) -> b).orElseThrow())
        .isEqualTo("asked ECS to roll back; Rolled back to web:3 from run " + secondRun);
    assertThat(taskDefinitionOf("web")).endsWith("task-definition/web:3");
  }

  @Test
  void rollbackWithNoKnownGoodDeploymentFailsClearlyAndChangesNothing() throws Exception {
    createService("idle");
    String before = taskDefinitionOf("idle");

    Cli rollback = gantry("rollback", "idle");

    assertThat(rollback.exit).isEqualTo(Gantry.RUN_FAILED);
    assertThat(rollback.output)
        .isEqualTo(
            "gantry rollback: no known good deployment of default/idle before now (no deployment"
                + " is recorded); nothing was changed. Name one with --to (gantry deployments idle"
                + " lists them)\n");
    assertThat(taskDefinitionOf("idle")).isEqualTo(before);
    assertThat(deployments("idle")).isEmpty();
    Cli list = gantry("deployments", "idle");
    assertThat(list.exit).isZero();
    assertThat(list.output)
        .isEqualTo("No deployments of default/idle at " + endpoint + " are recorded.\n");

    Cli unknown = gantry("rollback", "idle", "--to", "999");
    assertThat(unknown.exit).isEqualTo(Gantry.RUN_FAILED);
    assertThat(unknown.output)
        .isEqualTo(
            "gantry rollback: deployment 999 is not a deployment of default/idle; nothing was"
                + " changed\n");
    assertThat(deployments("idle")).isEmpty();

    // A task definition Gantry never deployed whose tasks exit at once: the rollout fails (502).
    String broken =
        ecs.registerTaskDefinition(
                r ->
                    r.family("idle")
                        .containerDefinitions(
                            ContainerDefinition.builder()
                                .name("web")
                                .image(LocalEcsTesting.IMAGE)
                                .essential(true)
                                .memory(64)
                                .command("sh", "-c", "echo broken; exit 3")
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    Cli failed = gantry("rollback", "idle", "--to", "idle:2", "--wait-minutes", "1");
    assertThat(failed.exit).as(failed.output).isEqualTo(Gantry.RUN_FAILED);
    assertThat(failed.output)
        .startsWith("Rolling back default/idle to idle:2\n")
        .contains("\ngantry rollback: the rollback to idle:2 failed: ");
    List<?> recorded = deployments("idle");
    assertThat(recorded).hasSize(1);
    Map<?, ?> attempt = (Map<?, ?>) recorded.get(0);
    assertThat(attempt.get("kind")).isEqualTo("rollback");
    assertThat(attempt.get("outcome")).isIn("failed", "rolled_back");
    assertThat(attempt.get("taskDefinition")).isEqualTo("idle:2");
    assertThat(broken).endsWith("task-definition/idle:2");
  }

  @Test
  void theApiAnswersBadInputWrongTokensAndImpossibleRollbacksInOneLine() throws Exception {
    String rollback = "/api/services/default/nothing-here/rollback";
    assertThat(post(rollback, null, "{}"))
        .isEqualTo(
            new Answer(
                401,
                "this call needs 'Authorization: Bearer <api-token>' (the server's api-token or a"
                    + " user's token; CLI: export GANTRY_API_TOKEN) or a signed-in session"));
    assertThat(post(rollback, "wrong", "{}").status).isEqualTo(401);
    assertThat(post(rollback, TOKEN, "{\"tu\": \"3\"}"))
        .isEqualTo(
            new Answer(400, "unknown field 'tu'; a rollback takes to, wait and waitMinutes"));
    assertThat(post(rollback, TOKEN, "{\"wait\": \"yes\"}"))
        .isEqualTo(new Answer(400, "'wait' must be true or false, not yes"));
    assertThat(post(rollback, TOKEN, "{\"to\": 3}").message).startsWith("'to' must be a string");
    assertThat(post(rollback, TOKEN, "{\"waitMinutes\": 0.5}"))
        .isEqualTo(
            new Answer(
                400, "'waitMinutes' must be a whole number of minutes from 1 to 360, not 0.5"));
    assertThat(post(rollback, TOKEN, "[1]"))
        .isEqualTo(new Answer(400, "the body must be a JSON object"));
    assertThat(post(rollback, TOKEN, "{\"to\": \"run:4\"}"))
        .isEqualTo(
            new Answer(
                409,
                "run 4 has no succeeded deployment of default/nothing-here; nothing was"
                    + " changed"));
    assertThat(post(rollback, TOKEN, "").status).isEqualTo(409);

    HttpResponse<String> badLimit =
        get("/api/services/default/nothing-here/deployments?limit=many");
    assertThat(badLimit.statusCode()).isEqualTo(400);
    assertThat(message(badLimit.body()))
        .isEqualTo("'limit' must be a whole number from 1 to 500, got 'many'");
    HttpResponse<String> none =
        get("/api/services/default/nothing-here/deployments?endpoint=http%3A%2F%2F127.0.0.1%3A9");
    assertThat(none.statusCode()).isEqualTo(200);
    Map<?, ?> answer = (Map<?, ?>) Expressions.fromJson(none.body());
    assertThat(answer.get("endpoint")).isEqualTo("http://127.0.0.1:9");
    assertThat((List<?>) answer.get("deployments")).isEmpty();

    Cli noToken = command(Map.of(), "rollback", "nothing-here", "--server", base());
    assertThat(noToken.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(noToken.output)
        .isEqualTo(
            "gantry rollback: this command changes things on the server: export GANTRY_API_TOKEN"
                + " with the server's api-token\n");
    Cli wrongToken =
        command(
            Map.of("GANTRY_API_TOKEN", "wrong"), "rollback", "nothing-here", "--server", base());
    assertThat(wrongToken.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(wrongToken.output)
        .startsWith("gantry rollback: the server answered 401: ")
        .hasLineCount(1);
    Cli down = command(Map.of("GANTRY_SERVER", "http://127.0.0.1:9"), "deployments", "web");
    assertThat(down.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(down.output)
        .isEqualTo(
            "gantry deployments: cannot connect to http://127.0.0.1:9; is 'gantry serve' running"
                + " there? (set --server or GANTRY_SERVER)\n");
    Cli both = gantry("deployments", "web", "--local");
    assertThat(both.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(both.output)
        .isEqualTo("gantry deployments: --local and --server exclude each other; give one\n");
  }

  // ---- helpers ----

  private static void createService(String name) {
    String first =
        ecs.registerTaskDefinition(
                r ->
                    r.family(name)
                        .containerDefinitions(
                            ContainerDefinition.builder()
                                .name("web")
                                .image(LocalEcsTesting.IMAGE)
                                .essential(true)
                                .memory(64)
                                .command(LocalEcsTesting.WEB_COMMAND)
                                .environment(
                                    KeyValuePair.builder().name("VERSION").value("v0").build())
                                .build()))
            .taskDefinition()
            .taskDefinitionArn();
    ecs.createService(
        r ->
            r.serviceName(name)
                .taskDefinition(first)
                .desiredCount(1)
                .deploymentConfiguration(
                    c ->
                        c.minimumHealthyPercent(0)
                            .maximumPercent(200)
                            .deploymentCircuitBreaker(b -> b.enable(true).rollback(true))));
  }

  /** Dispatches the deploy workflow through the API and waits for its success; its run id. */
  private static long deploy(String service, String version) throws Exception {
    HttpResponse<String> created =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/runs"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"deploy.yml\","
                            + "\"inputs\":{\"service\":\""
                            + service
                            + "\",\"version\":\""
                            + version
                            + "\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = number(((Map<?, ?>) Expressions.fromJson(created.body())).get("id"));
    Map<?, ?> run = Map.of();
    for (int i = 0; i < 1200 && !"COMPLETED".equals(run.get("status")); i++) {
      Thread.sleep(100);
      run = (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id).body());
    }
    assertThat(run.get("conclusion"))
        .as(get("/api/runs/" + id + "/logs").body())
        .isEqualTo("success");
    return id;
  }

  private static String taskDefinitionOf(String service) {
    return ecs.describeServices(r -> r.services(service)).services().get(0).taskDefinition();
  }

  private static List<String> runningTaskDefinitions(String service) {
    List<String> arns =
        ecs.listTasks(r -> r.serviceName(service).desiredStatus(DesiredStatus.RUNNING)).taskArns();
    return ecs.describeTasks(r -> r.tasks(arns)).tasks().stream()
        .map(t -> t.taskDefinitionArn().substring(t.taskDefinitionArn().lastIndexOf('/') + 1))
        .toList();
  }

  private static List<?> deployments(String service) throws Exception {
    HttpResponse<String> response = get("/api/services/default/" + service + "/deployments");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return (List<?>) ((Map<?, ?>) Expressions.fromJson(response.body())).get("deployments");
  }

  private record Answer(int status, String message) {}

  private static Answer post(String path, String token, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), message(response.body()));
  }

  private static String message(String body) throws Exception {
    return String.valueOf(((Map<?, ?>) Expressions.fromJson(body)).get("message"));
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String base() {
    return "http://127.0.0.1:" + server.port();
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }

  private record Cli(int exit, String output) {}

  /** {@code gantry ARGS --server URL} with the token, as a separate process. */
  private static Cli gantry(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--server");
    all.add(base());
    return command(Map.of("GANTRY_API_TOKEN", TOKEN), all.toArray(String[]::new));
  }

  /** {@code gantry ARGS} as a separate process; stdout and stderr together. */
  private static Cli command(Map<String, String> env, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.gantry.cli.Gantry"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().remove("GANTRY_API_TOKEN");
    builder.environment().remove("GANTRY_SERVER");
    builder.environment().putAll(env);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end");
    }
    return new Cli(p.exitValue(), out);
  }
}
