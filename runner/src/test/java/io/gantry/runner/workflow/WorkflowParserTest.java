package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowParserTest {

  @Test
  void anEcsDeployWorkflowReadsIntoTheModel() throws Exception {
    String source = Workflows.resource("ecs-deploy.yml");
    Workflow w =
        new WorkflowParser(new TestCatalog())
            .parse(source, Path.of(".github/workflows/deploy.yml"), "deploy.yml");

    assertThat(w.file()).isEqualTo(Path.of(".github/workflows/deploy.yml"));
    assertThat(w.name()).isEqualTo("Deploy to Amazon ECS");
    assertThat(w.runName()).isEqualTo("Deploy ${{ github.ref_name }} by ${{ github.actor }}");
    assertThat(w.source()).isEqualTo(source);

    Triggers on = w.on();
    assertThat(on.events()).containsExactly("push", "workflow_dispatch", "pull_request");
    assertThat(on.push().branches()).containsExactly("main", "releases/**");
    assertThat(on.push().branchesIgnore()).isNull();
    assertThat(on.push().pathsIgnore()).containsExactly("**.md", "docs/**");
    assertThat(on.push().paths()).isNull();
    assertThat(on.dispatch().inputs()).containsOnlyKeys("environment", "dry-run");
    InputSpec environment = on.dispatch().inputs().get("environment");
    assertThat(environment.type()).isEqualTo("choice");
    assertThat(environment.options()).containsExactly("staging", "production");
    assertThat(environment.defaultValue()).isEqualTo("staging");
    assertThat(environment.description()).isEqualTo("Where to deploy");
    assertThat(environment.required()).isFalse();
    assertThat(environment.location()).isEqualTo(new Location("deploy.yml", 12, 7));
    assertThat(on.dispatch().inputs().get("dry-run").type()).isEqualTo("boolean");
    assertThat(on.dispatch().inputs().get("dry-run").defaultValue()).isEqualTo("false");

    assertThat(w.env())
        .containsExactly(
            entry("AWS_REGION", "eu-west-1"),
            entry("ECR_REPOSITORY", "my-app"),
            entry("ECS_SERVICE", "my-app-service"),
            entry("ECS_CLUSTER", "my-cluster"),
            entry("REPLICAS", "2"),
            entry("DEBUG", "true"));
    assertThat(w.defaults()).isEqualTo(new RunDefaults("bash", null));
    assertThat(w.concurrency().group()).isEqualTo("deploy-${{ github.ref }}");
    assertThat(w.concurrency().cancelInProgress()).isEqualTo("false");

    assertThat(w.jobs()).containsOnlyKeys("test", "deploy");
    assertThat(List.copyOf(w.jobs().keySet())).containsExactly("test", "deploy");

    Job test = w.jobs().get("test");
    assertThat(test.name()).isEqualTo("Test on Java ${{ matrix.java }}");
    assertThat(test.runsOn()).isEqualTo("ubuntu-latest");
    assertThat(test.timeoutMinutes()).isEqualTo("20");
    assertThat(test.needs()).isEmpty();
    assertThat(test.location()).isEqualTo(new Location("deploy.yml", 43, 3));
    assertThat(test.strategy().failFast()).isEqualTo("false");
    assertThat(test.strategy().maxParallel()).isEqualTo("2");
    assertThat(test.strategy().matrix())
        .isEqualTo(
            Map.of(
                "java", List.of(17L, 21L),
                "os", List.of("ubuntu-latest"),
                "include", List.of(Map.of("java", 21L, "experimental", true))));
    assertThat(test.steps()).hasSize(2);
    Step checkout = test.steps().get(0);
    assertThat(checkout.uses()).isEqualTo("actions/checkout@v4");
    assertThat(checkout.with()).containsExactly(entry("fetch-depth", "0"));
    assertThat(checkout.run()).isNull();
    assertThat(checkout.location()).isEqualTo(new Location("deploy.yml", 57, 9));
    Step tests = test.steps().get(1);
    assertThat(tests.id()).isEqualTo("tests");
    assertThat(tests.name()).isEqualTo("Run the tests");
    assertThat(tests.run())
        .isEqualTo("./mvnw -B verify\necho \"result=ok\" >> \"$GITHUB_OUTPUT\"\n");
    assertThat(tests.workingDirectory()).isEqualTo("app");
    assertThat(tests.continueOnError()).isEqualTo("${{ matrix.experimental == true }}");
    assertThat(tests.shell()).isNull();

    Job deploy = w.jobs().get("deploy");
    assertThat(deploy.needs()).containsExactly("test");
    assertThat(deploy.condition()).isEqualTo("github.ref == 'refs/heads/main'");
    assertThat(deploy.runsOn()).isEqualTo("[self-hosted, linux]");
    assertThat(deploy.environment()).isEqualTo("production");
    assertThat(deploy.concurrency().group()).isEqualTo("deploy-production");
    assertThat(deploy.outputs())
        .containsExactly(entry("image", "${{ steps.build.outputs.image }}"));
    assertThat(deploy.env()).containsExactly(entry("IMAGE_TAG", "${{ github.sha }}"));
    assertThat(deploy.timeoutMinutes()).isNull();
    assertThat(deploy.defaults()).isEqualTo(RunDefaults.NONE);
    Step health = deploy.steps().get(2);
    assertThat(health.uses()).isEqualTo("gantry/health-check@v1");
    assertThat(health.with())
        .containsExactly(
            entry("url", "https://app.example.com/health"), entry("expect-status", "200"));
    assertThat(health.timeoutMinutes()).isEqualTo("5");

    // pull_request is an event Gantry runs on: no warning.
    assertThat(w.warnings()).isEmpty();
  }

  @Test
  void theOnKeyIsAStringAsInYaml12NotTheBooleanTrue() throws Exception {
    Workflow w =
        Workflows.parse(
            """
            on: [push, workflow_dispatch]
            jobs:
              build:
                steps:
                  - run: make
            """);

    assertThat(w.on().events()).containsExactly("push", "workflow_dispatch");
    assertThat(w.on().push()).isEqualTo(PushTrigger.any());
    assertThat(w.on().dispatch().inputs()).isEmpty();
  }

  @Test
  void yesAndNoStayStringsUnderYaml12() throws Exception {
    Workflow w =
        Workflows.parse(
            """
            on: push
            env:
              ANSWER: yes
              OFF: off
              EMPTY:
            jobs:
              build:
                steps:
                  - run: make
            """);

    assertThat(w.env())
        .containsExactly(entry("ANSWER", "yes"), entry("OFF", "off"), entry("EMPTY", ""));
  }

  @Test
  void aSingleEventNameRunsOnThatEventOnly() throws Exception {
    Workflow w =
        Workflows.parse("on: workflow_dispatch\njobs:\n  a:\n    steps:\n      - run: x\n");

    assertThat(w.on().push()).isNull();
    assertThat(w.on().dispatch()).isNotNull();
    assertThat(w.on().events()).containsExactly("workflow_dispatch");
  }

  @Test
  void theNameDefaultsToTheDisplayName() throws Exception {
    Workflow w = Workflows.parse("on: push\njobs:\n  a:\n    steps:\n      - run: x\n");

    assertThat(w.name()).isEqualTo("ci.yml");
    assertThat(w.warnings()).isEmpty();
    assertThat(w.concurrency()).isNull();
    assertThat(w.env()).isEmpty();
  }

  @Test
  void aMatrixMayBeAnExpressionAndTheEnvironmentAPlainName() throws Exception {
    Workflow w =
        Workflows.parse(
            """
            on: push
            jobs:
              a:
                strategy:
                  matrix: ${{ fromJSON(vars.TARGETS) }}
                environment: staging
                continue-on-error: true
                defaults:
                  run:
                    shell: python {0}
                    working-directory: src
                steps:
                  - run: print(1)
                    shell: sh
            """);

    Job a = w.jobs().get("a");
    assertThat(a.strategy().matrix()).isEqualTo("${{ fromJSON(vars.TARGETS) }}");
    assertThat(a.environment()).isEqualTo("staging");
    assertThat(a.continueOnError()).isEqualTo("true");
    assertThat(a.defaults()).isEqualTo(new RunDefaults("python {0}", "src"));
    assertThat(a.steps().get(0).shell()).isEqualTo("sh");
  }

  @Test
  void aWorkflowIsReadFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ci.yml");
    Files.writeString(file, "on: push\njobs:\n  a:\n    steps:\n      - run: x\n");

    Workflow w = new WorkflowParser(new TestCatalog()).parse(file, "ci.yml");

    assertThat(w.file()).isEqualTo(file);
    assertThat(w.jobs()).containsOnlyKeys("a");
  }
}
