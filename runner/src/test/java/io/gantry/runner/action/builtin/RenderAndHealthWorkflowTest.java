package io.gantry.runner.action.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The render and health-check actions in whole workflows through the real parser, executor,
 * checkout, shell steps, masker and log store: a task definition template in the repository is
 * rendered with the job's env, a secret and {@code ${{ github.sha }}} passed through {@code env:},
 * a {@code run:} step reads the rendered file, and the health check waits for a local server to
 * answer with the commit as its version.
 */
class RenderAndHealthWorkflowTest {

  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
  private static final String DB_PASSWORD = "pa55\"w0rd\\with-quote";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String TEMPLATE =
      """
      {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "${MEMORY:-512}",
        "containerDefinitions": [
          {
            "name": "web",
            "image": "placeholder",
            "portMappings": [{"containerPort": "${PORT:-8080}"}],
            "environment": [
              {"name": "VERSION", "value": "${VERSION}"},
              {"name": "DB_HOST", "value": "${DB_HOST}"},
              {"name": "DB_PASSWORD", "value": "${DB_PASSWORD}"}
            ]
          }
        ]
      }
      """;

  private static final String WORKFLOW =
      """
name: deploy
on: push
env:
  DB_HOST: db.internal
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Render
        id: render
        uses: aws-actions/amazon-ecs-render-task-definition@v1
        env:
          VERSION: ${{ github.sha }}
          DB_PASSWORD: ${{ secrets.DB_PASSWORD }}
        with:
          task-definition: deploy/task-definition.json
          container-name: web
          image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:${{ github.sha }}
          environment-variables: |
            LOG_LEVEL=debug
      - name: Show
        run: |
          cp "${{ steps.render.outputs.task-definition }}" "$GITHUB_WORKSPACE/rendered.json"
          cat "${{ steps.render.outputs.task-definition }}"
      - name: Health
        id: health
        uses: gantry/health-check@v1
        with:
          url: @URL@
          expect-json: $.version == ${{ github.sha }}
          interval: 20ms
          consecutive-successes: 2
      - name: Report
        run: echo "health=${{ steps.health.outputs.status }} after ${{ steps.health.outputs.probes }}"
""";

  @TempDir Path data;
  @TempDir Path project;
  @TempDir Path workspace;
  private RunStore store;
  private WorkflowExecutor executor;
  private HttpServer server;
  private final AtomicInteger probes = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    store = Stores.openEmbedded(data);
    executor =
        new WorkflowExecutor(BuiltInActions.registry(), store, ExecutorOptions.defaults(data));
    // The service: starting (503) for the first two probes, then answering the commit.
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/health",
        exchange -> {
          int n = probes.incrementAndGet();
          byte[] body =
              (n <= 2 ? "starting" : "{\"version\": \"" + SHA + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(n <= 2 ? 503 : 200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    Files.createDirectories(project.resolve("deploy"));
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.close();
    store.close();
  }

  private record Run(RunResult result, List<String> log) {
    JobResult job() {
      return result.jobs().get(0);
    }

    StepResult step(String name) {
      return job().steps().stream()
          .filter(s -> s.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no step " + name + " in " + describe(job())));
    }
  }

  private Run run(String template) throws Exception {
    Files.writeString(project.resolve("deploy/task-definition.json"), template);
    Path file = project.resolve("deploy.yml");
    Files.writeString(
        file,
        WORKFLOW.replace("@URL@", "http://127.0.0.1:" + server.getAddress().getPort() + "/health"));
    Workflow workflow = new WorkflowParser(BuiltInActions.registry()).parse(file, "deploy.yml");
    RunRequest request =
        new RunRequest(
            workflow,
            "acme/web",
            "push",
            Map.of("ref", "refs/heads/main"),
            "refs/heads/main",
            SHA,
            Map.of(),
            Map.of("DB_PASSWORD", DB_PASSWORD),
            Map.of(),
            Map.of(),
            Set.of(),
            project,
            null,
            workspace,
            "octocat");
    RunResult result = executor.start(request, null).await();
    return new Run(result, executor.logs().readRun(result.runId()));
  }

  @Test
  void theRenderedTemplateReachesTheNextStepAndTheHealthCheckWaitsForTheNewVersion()
      throws Exception {
    Run run = run(TEMPLATE);

    assertThat(run.result().conclusion().label())
        .as("%s", describe(run.job()))
        .isEqualTo("success");
    JsonNode rendered = JSON.readTree(workspace.resolve("rendered.json").toFile());
    JsonNode web = rendered.get("containerDefinitions").get(0);
    assertThat(web.get("image").asText())
        .isEqualTo("111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:" + SHA);
    assertThat(rendered.get("memory").asText()).isEqualTo("512");
    assertThat(web.get("portMappings").get(0).get("containerPort").asInt()).isEqualTo(8080);
    assertThat(web.get("environment"))
        .isEqualTo(
            JSON.createArrayNode()
                .add(JSON.createObjectNode().put("name", "VERSION").put("value", SHA))
                .add(JSON.createObjectNode().put("name", "DB_HOST").put("value", "db.internal"))
                .add(JSON.createObjectNode().put("name", "DB_PASSWORD").put("value", DB_PASSWORD))
                .add(JSON.createObjectNode().put("name", "LOG_LEVEL").put("value", "debug")));
    String path = run.step("Render").outputs().get("task-definition");
    assertThat(path).startsWith(data.toString()).endsWith(".json");

    assertThat(run.step("Health").outputs())
        .containsEntry("status", "200")
        .containsEntry("probes", "4");
    assertThat(probes.get()).isEqualTo(4);
    String log = String.join("\n", run.log());
    assertThat(log)
        .contains("\"value\": \"" + SHA + "\"")
        .contains("probe 1: 503 in ")
        .contains("probe 2: 503 in ")
        .contains(" ms: expected 200-399")
        .contains("probe 4: 200 in ")
        .contains("health=200 after 4");
    assertThat(run.log()).anyMatch(l -> l.endsWith("\"value\": \"***\""));
    // The password's JSON form (escaped) and its plain form are both masked.
    assertThat(log).doesNotContain("pa55");
  }

  @Test
  void anUnsetNameFailsTheRenderStepWithItsLineAndSkipsTheRest() throws Exception {
    Run run = run(TEMPLATE.replace("${DB_HOST}", "${DB_HOSTNAME}"));

    assertThat(run.result().conclusion().label()).isEqualTo("failure");
    assertThat(run.step("Render").conclusion().label()).isEqualTo("failure");
    assertThat(run.step("Render").message())
        .isEqualTo(
            "aws-actions/amazon-ecs-render-task-definition: deploy/task-definition.json:14:"
                + " ${DB_HOSTNAME} is not set — set it in env: or give a default as"
                + " ${NAME:-value}");
    assertThat(run.step("Show").conclusion().label()).isEqualTo("skipped");
    assertThat(run.step("Health").conclusion().label()).isEqualTo("skipped");
    assertThat(probes.get()).isZero();
    assertThat(run.log()).anyMatch(l -> l.contains("${DB_HOSTNAME} is not set"));
  }

  private static String describe(JobResult job) {
    List<String> steps = new ArrayList<>();
    for (StepResult s : job.steps()) {
      steps.add(
          s.name()
              + "="
              + s.conclusion().label()
              + (s.message() != null ? " (" + s.message() + ")" : ""));
    }
    return job.key() + ": " + steps;
  }
}
