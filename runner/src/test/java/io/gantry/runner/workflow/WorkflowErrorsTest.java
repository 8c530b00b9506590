package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkflowErrorsTest {

  /** A valid job, to which each case adds one mistake. */
  private static final String JOB =
      """
      on: push
      jobs:
        build:
          steps:
      """;

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(
            "a duplicate key",
            JOB + "      - run: make\n        run: make test\n",
            "ci.yml:6:9: duplicate key 'run' in step (first at line 5); remove one"),
        Arguments.of(
            "a misspelt step key",
            JOB + "      - run: make\n        tmeout-minutes: 5\n",
            "ci.yml:6:9: unknown key 'tmeout-minutes' in step; did you mean 'timeout-minutes'?"),
        Arguments.of(
            "a misspelt job key",
            "on: push\njobs:\n  build:\n    step:\n      - run: make\n",
            "ci.yml:4:5: unknown key 'step' in job 'build'; did you mean 'steps'?"),
        Arguments.of(
            "an unknown step key with nothing close",
            JOB + "      - run: make\n        colour: blue\n",
            "ci.yml:6:9: unknown key 'colour' in step; valid keys are: id, name, if, env, run,"
                + " shell, working-directory, uses, with, timeout-minutes, continue-on-error"),
        Arguments.of(
            "a misspelt top-level key",
            "on: push\nenvs: {}\njobs:\n  build:\n    steps:\n      - run: make\n",
            "ci.yml:2:1: unknown key 'envs' in the workflow; did you mean 'env'?"),
        Arguments.of(
            "a list as timeout",
            JOB + "      - run: make\n        timeout-minutes: [5]\n",
            "ci.yml:6:26: 'timeout-minutes' must be a number or an expression, got a list"),
        Arguments.of(
            "a word as timeout",
            JOB + "      - run: make\n        timeout-minutes: soon\n",
            "ci.yml:6:26: 'timeout-minutes' must be a number or an expression, got a string"
                + " 'soon'"),
        Arguments.of(
            "a zero timeout",
            "on: push\njobs:\n  build:\n    timeout-minutes: 0\n    steps:\n      - run: make\n",
            "ci.yml:4:22: 'timeout-minutes' must be greater than 0, got 0"),
        Arguments.of(
            "a word as continue-on-error",
            JOB + "      - run: make\n        continue-on-error: maybe\n",
            "ci.yml:6:28: 'continue-on-error' must be true, false or an expression, got a string"
                + " 'maybe'"),
        Arguments.of(
            "a step with both run and uses",
            JOB + "      - run: make\n        uses: actions/checkout@v4\n",
            "ci.yml:6:9: a step has either 'run' or 'uses', not both; split it into two steps"),
        Arguments.of(
            "a step with neither run nor uses",
            JOB + "      - name: nothing\n",
            "ci.yml:5:9: a step needs 'run' (a script) or 'uses' (an action)"),
        Arguments.of(
            "a PowerShell step",
            JOB + "      - run: Write-Host hi\n        shell: pwsh\n",
            "ci.yml:6:16: shell 'pwsh' is not supported by Gantry; use bash, sh, python or a"
                + " command with {0} for the script file, e.g. 'perl {0}'"),
        Arguments.of(
            "an unknown shell",
            JOB + "      - run: x\n        shell: zsh\n",
            "ci.yml:6:16: unknown shell 'zsh'; use bash, sh, python or a command with {0} for the"
                + " script file, e.g. 'perl {0}'"),
        Arguments.of(
            "a Docker action without an image",
            JOB + "      - uses: docker://\n",
            "ci.yml:5:15: 'docker://' names no image; write docker://IMAGE, e.g."
                + " docker://alpine:3.20"),
        Arguments.of(
            "a local action outside the workspace",
            JOB + "      - uses: ../other/action\n",
            "ci.yml:5:15: '../other/action' leaves the workspace; a local action is ./PATH inside"
                + " the checked-out repository"),
        Arguments.of(
            "an unknown action",
            JOB + "      - uses: actions/setup-node@v4\n",
            "ci.yml:5:15: unknown action 'actions/setup-node@v4'; supported:"
                + " actions/checkout@v1..v4, gantry/health-check@v1"),
        Arguments.of(
            "a misspelt action input",
            JOB + "      - uses: actions/checkout@v4\n        with:\n          fetch-dept: 0\n",
            "ci.yml:7:11: unknown input 'fetch-dept' for actions/checkout@v4; did you mean"
                + " 'fetch-depth'?"),
        Arguments.of(
            "a missing required input",
            JOB + "      - uses: gantry/health-check@v1\n",
            "ci.yml:5:15: gantry/health-check@v1 requires input 'url'; add it under with:"),
        Arguments.of(
            "with on a run step",
            JOB + "      - run: make\n        with:\n          a: b\n",
            "ci.yml:6:9: 'with' only applies to uses: steps; remove it"),
        Arguments.of(
            "a map as an env value",
            JOB + "      - run: make\n        env:\n          A: {b: c}\n",
            "ci.yml:7:14: 'env.A' must be a string, number or boolean, got a map"),
        Arguments.of(
            "branches and branches-ignore together",
            "on:\n  push:\n    branches: [main]\n    branches-ignore: [wip]\njobs:\n  build:\n"
                + "    steps:\n      - run: make\n",
            "ci.yml:4:5: 'branches' and 'branches-ignore' cannot both be used for the same event;"
                + " use 'branches' with '!' patterns to exclude"),
        Arguments.of(
            "tags and tags-ignore together",
            "on:\n  push:\n    tags-ignore: [v0*]\n    tags: [v*]\njobs:\n  build:\n"
                + "    steps:\n      - run: make\n",
            "ci.yml:3:5: 'tags' and 'tags-ignore' cannot both be used for the same event;"
                + " use 'tags' with '!' patterns to exclude"),
        Arguments.of(
            "paths and paths-ignore together",
            "on:\n  push:\n    paths: [src/**]\n    paths-ignore: [docs/**]\njobs:\n  build:\n"
                + "    steps:\n      - run: make\n",
            "ci.yml:4:5: 'paths' and 'paths-ignore' cannot both be used for the same event;"
                + " use 'paths' with '!' patterns to exclude"),
        Arguments.of(
            "a misspelt event",
            "on: [push, pul_request]\njobs:\n  build:\n    steps:\n      - run: make\n",
            "ci.yml:1:12: unknown event 'pul_request' in 'on'; did you mean 'pull_request'?"),
        Arguments.of(
            "a choice input without options",
            "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        type: choice\njobs:\n"
                + "  build:\n    steps:\n      - run: make\n",
            "ci.yml:4:7: input 'env' has type: choice but no 'options'; list the allowed values"
                + " under options:"),
        Arguments.of(
            "a choice default that is not an option",
            "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        type: choice\n"
                + "        options: [dev, prod]\n        default: test\njobs:\n"
                + "  build:\n    steps:\n      - run: make\n",
            "ci.yml:7:18: default 'test' of input 'env' is not one of its options: dev, prod"),
        Arguments.of(
            "an unknown input type",
            "on:\n  workflow_dispatch:\n    inputs:\n      n:\n        type: integer\njobs:\n"
                + "  build:\n    steps:\n      - run: make\n",
            "ci.yml:5:15: unknown type 'integer' of input 'n'; valid types are: string, boolean,"
                + " number, choice, environment"),
        Arguments.of(
            "a boolean input with a word as default",
            "on:\n  workflow_dispatch:\n    inputs:\n      force:\n        type: boolean\n"
                + "        default: sure\njobs:\n  build:\n    steps:\n      - run: make\n",
            "ci.yml:6:18: default of boolean input 'force' must be true or false, got 'sure'"),
        Arguments.of(
            "a job-level uses that is not a workflow",
            "on: push\njobs:\n  build:\n    uses: org/repo/b.yml@main\n    with:\n      a: b\n",
            "ci.yml:4:11: 'org/repo/b.yml@main' is not a reusable workflow; write"
                + " ./.github/workflows/FILE.yml or OWNER/REPO/.github/workflows/FILE.yml@REF"),
        Arguments.of(
            "with on a job that calls nothing",
            "on: push\njobs:\n  build:\n    with: {a: b}\n    steps:\n      - run: make\n",
            "ci.yml:4:5: 'with' of job 'build' passes inputs to a reusable workflow, but the job has"
                + " no 'uses'; add uses: ./.github/workflows/FILE.yml or move it to a step"),
        Arguments.of(
            "a service without an image",
            "on: push\njobs:\n  build:\n    services:\n      db: {env: {A: b}}\n    steps:\n"
                + "      - run: make\n",
            "ci.yml:5:11: 'services.db' needs an image, e.g. image: postgres:16"),
        Arguments.of(
            "a service option Gantry does not pass through",
            "on: push\njobs:\n  build:\n    services:\n      db:\n        image: postgres\n"
                + "        options: --health-cmd pg_isready --privileged\n    steps:\n"
                + "      - run: make\n",
            "ci.yml:7:18: 'services.db.options' of job 'build': option '--privileged' is not"
                + " passed through by"
                + " Gantry; supported: --add-host --cpus --entrypoint --env --health-cmd"
                + " --health-interval --health-retries --health-start-period --health-timeout"
                + " --hostname --init --label --memory --memory-reservation --no-healthcheck"
                + " --read-only --shm-size --stop-timeout --tmpfs --ulimit --user --workdir"),
        Arguments.of(
            "a service option whose value the engine would refuse",
            "on: push\njobs:\n  build:\n    services:\n      db:\n        image: postgres\n"
                + "        options: --health-cmd pg_isready --memory lots\n    steps:\n"
                + "      - run: make\n",
            "ci.yml:7:18: 'services.db.options' of job 'build': option '--memory' must be a size"
                + " such as 512m or 1g, got 'lots'"),
        Arguments.of(
            "a health interval that is not a duration",
            "on: push\njobs:\n  build:\n    services:\n      db:\n        image: postgres\n"
                + "        options: --health-cmd pg_isready --health-interval 5\n    steps:\n"
                + "      - run: make\n",
            "ci.yml:7:18: 'services.db.options' of job 'build': option '--health-interval' must be"
                + " a duration such as 10s or 1m30s, got '5'"),
        Arguments.of(
            "an --env without a value, which would copy Gantry's own variable",
            "on: push\njobs:\n  build:\n    container:\n      image: node:20\n"
                + "      options: -e GANTRY_API_TOKEN\n    steps:\n      - run: make\n",
            "ci.yml:6:16: 'container.options' of job 'build': option '--env' must be NAME=VALUE (a"
                + " bare NAME would copy Gantry's own variable; pass the job's with env:), got"
                + " 'GANTRY_API_TOKEN'"),
        Arguments.of(
            "a network alias",
            "on: push\njobs:\n  build:\n    services:\n      db:\n        image: postgres\n"
                + "        options: --network-alias database\n    steps:\n      - run: make\n",
            "ci.yml:7:18: 'services.db.options' of job 'build': option '--network-alias' is not"
                + " passed through by Gantry (every container of a job is on the job's own"
                + " network); supported: --add-host --cpus --entrypoint --env --health-cmd"
                + " --health-interval --health-retries --health-start-period --health-timeout"
                + " --hostname --init --label --memory --memory-reservation --no-healthcheck"
                + " --read-only --shm-size --stop-timeout --tmpfs --ulimit --user --workdir"),
        Arguments.of(
            "a network option",
            "on: push\njobs:\n  build:\n    container:\n      image: node:20\n"
                + "      options: --network host\n    steps:\n      - run: make\n",
            "ci.yml:6:16: 'container.options' of job 'build': option '--network' is not passed"
                + " through by Gantry"
                + " (every container of a job is on the job's own network); supported: --add-host"
                + " --cpus --entrypoint --env --health-cmd --health-interval --health-retries"
                + " --health-start-period --health-timeout --hostname --init --label --memory"
                + " --memory-reservation --no-healthcheck --read-only --shm-size --stop-timeout"
                + " --tmpfs --ulimit --user --workdir"),
        Arguments.of(
            "a port that is not a port",
            "on: push\njobs:\n  build:\n    services:\n      db:\n        image: postgres\n"
                + "        ports: ['5432:99999']\n    steps:\n      - run: make\n",
            "ci.yml:7:17: 'services.db.ports': port 99999 in '5432:99999' is out of range 1-65535"),
        Arguments.of(
            "a port that is a name",
            "on: push\njobs:\n  build:\n    services:\n      db:\n        image: postgres\n"
                + "        ports: [http]\n    steps:\n      - run: make\n",
            "ci.yml:7:17: 'services.db.ports': 'http' is not a port mapping; write CONTAINER_PORT"
                + " (a free host port is picked) or HOST_PORT:CONTAINER_PORT, optionally with /tcp"
                + " or /udp"),
        Arguments.of(
            "a service id that is not a host name",
            "on: push\njobs:\n  build:\n    services:\n      my.db: {image: postgres}\n"
                + "    steps:\n      - run: make\n",
            "ci.yml:5:7: service id 'my.db' is invalid; use letters, digits, '_' and '-', starting"
                + " with a letter or '_' (it is the service's host name)"),
        Arguments.of(
            "an unknown needed job",
            "on: push\njobs:\n  build:\n    steps:\n      - run: make\n  deploy:\n"
                + "    needs: [biuld]\n    steps:\n      - run: make\n",
            "ci.yml:7:13: job 'deploy' needs 'biuld', which is not a job of this workflow; did"
                + " you mean 'build'?"),
        Arguments.of(
            "a job needing itself",
            "on: push\njobs:\n  build:\n    needs: build\n    steps:\n      - run: make\n",
            "ci.yml:3:3: jobs need each other in a cycle: build -> build; remove one of these"
                + " needs"),
        Arguments.of(
            "a duplicate step id",
            JOB + "      - id: make\n        run: make\n      - id: make\n        run: make\n",
            "ci.yml:7:13: step id 'make' is already used in this job (line 5); step ids must be"
                + " unique within a job"),
        Arguments.of(
            "an invalid step id",
            JOB + "      - id: 1st\n        run: make\n",
            "ci.yml:5:13: step id '1st' is invalid; use letters, digits, '_' and '-', starting"
                + " with a letter or '_'"),
        Arguments.of(
            "an invalid job id",
            "on: push\njobs:\n  build.all:\n    steps:\n      - run: make\n",
            "ci.yml:3:3: job id 'build.all' is invalid; use letters, digits, '_' and '-',"
                + " starting with a letter or '_'"),
        Arguments.of(
            "a job without steps",
            "on: push\njobs:\n  build:\n    name: Build\n",
            "ci.yml:3:3: job 'build' has no 'steps'; add steps: with at least one run: or uses:"
                + " step"),
        Arguments.of(
            "an empty list of steps",
            "on: push\njobs:\n  build:\n    steps: []\n",
            "ci.yml:4:12: job 'build' has no steps; add at least one run: or uses: step"),
        Arguments.of(
            "no jobs",
            "on: push\njobs: {}\n",
            "ci.yml:2:7: 'jobs' is empty; add at least one job with steps"),
        Arguments.of(
            "no jobs key",
            "on: push\n",
            "ci.yml:1:1: the workflow has no 'jobs:'; add at least one job with steps"),
        Arguments.of(
            "no on key",
            "jobs:\n  build:\n    steps:\n      - run: make\n",
            "ci.yml:1:1: the workflow has no 'on:'; add the events to run on, e.g. on: push"),
        Arguments.of(
            "a concurrency map without group",
            "on: push\nconcurrency:\n  cancel-in-progress: true\njobs:\n  build:\n    steps:\n"
                + "      - run: make\n",
            "ci.yml:3:3: 'concurrency' needs a 'group', e.g. group: deploy-${{ github.ref }}"),
        Arguments.of(
            "a matrix variable that is not a list",
            "on: push\njobs:\n  build:\n    strategy:\n      matrix:\n        java: 17\n"
                + "    steps:\n      - run: make\n",
            "ci.yml:6:15: matrix variable 'java' must be a list of values or an expression, got"
                + " a number"),
        Arguments.of(
            "an environment map without name",
            "on: push\njobs:\n  build:\n    environment:\n      url: https://x\n    steps:\n"
                + "      - run: make\n",
            "ci.yml:5:7: 'environment' needs a 'name', e.g. environment: { name: production }"),
        Arguments.of(
            "steps that are not a list",
            "on: push\njobs:\n  build:\n    steps:\n      run: make\n",
            "ci.yml:5:7: 'steps' of job 'build' must be a list of steps, got a map"),
        Arguments.of(
            "a step that is a string",
            JOB + "      - make\n",
            "ci.yml:5:9: a step must be a map with 'run' or 'uses', got a string"),
        Arguments.of(
            "a workflow that is a list",
            "- on: push\n",
            "ci.yml:1:1: a workflow must be a map with 'on:' and 'jobs:', got a list"),
        Arguments.of(
            "an empty file",
            "# nothing yet\n",
            "ci.yml: the workflow file is empty; it needs at least 'on:' and 'jobs:'"));
  }

  @ParameterizedTest(name = "{0} is reported")
  @MethodSource("mistakes")
  void eachMistakeIsReportedWithItsFileLineAndColumn(String what, String yaml, String expected) {
    assertThat(Workflows.problems(yaml)).containsExactly(expected);
  }

  @Test
  void invalidYamlIsOneProblemAtTheYamlErrorsPlace() {
    assertThat(Workflows.problems("on: push\njobs:\n  build:\n    steps: [\n  - run: x\n"))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("ci.yml:5:")
        .contains("invalid YAML: ")
        .doesNotContain("\n");
  }

  @Test
  void aTabIndentIsInvalidYamlWithoutASnippet() {
    assertThat(Workflows.problems("on: push\njobs:\n\tbuild: {}\n"))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("ci.yml:3:1: invalid YAML: ")
        .doesNotContain("\n");
  }

  @Test
  void everyProblemIsReportedAtOnceInFileOrder() {
    String yaml =
        """
        on: [push, schedule]
        jobs:
          build:
            timeout-minutes: -1
            steps:
              - run: make
                shell: pwsh
              - uses: actions/checkout@v9
          deploy:
            needs: [build, test]
            container: node:20
            steps:
              - name: nothing
        """;

    assertThat(Workflows.problems(yaml))
        .containsExactly(
            "ci.yml:1:12: warning: 'schedule' without cron lines never runs; write on: { schedule:"
                + " [ { cron: '0 0 * * *' } ] }",
            "ci.yml:4:22: 'timeout-minutes' must be greater than 0, got -1",
            "ci.yml:7:16: shell 'pwsh' is not supported by Gantry; use bash, sh, python or a"
                + " command with {0} for the script file, e.g. 'perl {0}'",
            "ci.yml:8:15: unknown action 'actions/checkout@v9'; supported:"
                + " actions/checkout@v1..v4, gantry/health-check@v1",
            "ci.yml:10:20: job 'deploy' needs 'test', which is not a job of this workflow; valid"
                + " job ids are: build",
            "ci.yml:13:9: a step needs 'run' (a script) or 'uses' (an action)");
  }

  @Test
  void aNeedsCycleIsNamedByItsPath() {
    String yaml =
        """
        on: push
        jobs:
          build:
            steps:
              - run: make
          test:
            needs: [build, deploy]
            steps:
              - run: make
          deploy:
            needs: test
            steps:
              - run: make
        """;

    assertThat(Workflows.problems(yaml))
        .containsExactly(
            "ci.yml:6:3: jobs need each other in a cycle: test -> deploy -> test; remove one of"
                + " these needs");
  }

  @Test
  void eventsGantryDoesNotRunOnAreKeptWithAWarning() throws Exception {
    Workflow w =
        Workflows.parse(
            """
            on:
              push:
              watch:
            jobs:
              build:
                steps:
                  - run: make
            """);

    assertThat(w.on().events()).containsExactly("push", "watch");
    assertThat(w.warnings())
        .extracting(Problem::toString)
        .containsExactly(
            "ci.yml:3:3: warning: Gantry does not trigger on 'watch'; this workflow runs only"
                + " on push, pull_request, pull_request_target, schedule, workflow_run,"
                + " repository_dispatch and workflow_dispatch (gantry run)");
  }

  @Test
  void permissionsAreAcceptedWithoutAWarning() throws Exception {
    Workflow w =
        Workflows.parse(
            """
            on: push
            permissions: read-all
            jobs:
              build:
                permissions:
                  contents: read
                steps:
                  - run: make
            """);

    assertThat(w.warnings()).isEmpty();
  }

  @Test
  void aWrongCronFieldIsReportedAtItsColumn() {
    String yaml =
        """
        on:
          schedule:
            - cron: '*/15 * * * *'
            - cron: 0 25 * * MON
            - cron: "0 0 * DEC-JAN *"
        jobs:
          build:
            steps:
              - run: make
        """;

    assertThat(Workflows.problems(yaml))
        .containsExactly(
            "ci.yml:4:15: cron '0 25 * * MON': the hour field '25' has 25, out of range; it takes"
                + " 0-23, e.g. 9-17",
            "ci.yml:5:20: cron '0 0 * DEC-JAN *': the month field 'DEC-JAN' has range DEC-JAN that"
                + " runs backwards; write it low-high; it takes 1-12 or JAN-DEC, e.g. JAN-JUN");
  }

  @Test
  void scheduleLinesAreParsedWithoutAWarning() throws Exception {
    Workflow w =
        Workflows.parse(
            """
            on:
              schedule:
                - cron: '0 3 * * *'
                - cron: '*/15 * * * 1-5'
            jobs:
              build:
                steps:
                  - run: make
            """);

    assertThat(w.on().schedules())
        .extracting(io.gantry.runner.cron.Cron::expression)
        .containsExactly("0 3 * * *", "*/15 * * * 1-5");
    assertThat(w.warnings()).isEmpty();
  }

  @Test
  void workflowRunNeedsTheWorkflowsItFollowsAndDispatchTypesAreKept() throws Exception {
    assertThat(
            Workflows.problems(
                """
                on:
                  workflow_run:
                    types: [completed]
                jobs:
                  build:
                    steps:
                      - run: make
                """))
        .containsExactly(
            "ci.yml:2:3: 'workflow_run' needs 'workflows', the names of the workflows it follows,"
                + " e.g. workflow_run: { workflows: [ci], types: [completed] }");

    Workflow w =
        Workflows.parse(
            """
            on:
              repository_dispatch:
                types: [deploy]
              workflow_run:
                workflows: [ci]
                branches: [main]
            jobs:
              build:
                steps:
                  - run: make
            """);
    assertThat(w.warnings()).isEmpty();
    assertThat(w.on().on("repository_dispatch").hasType("deploy")).isTrue();
    assertThat(w.on().on("repository_dispatch").hasType("other")).isFalse();
    assertThat(w.on().on("workflow_run").workflows()).containsExactly("ci");
    assertThat(w.on().on("workflow_run").matchesBranch("main")).isTrue();
    assertThat(w.on().on("workflow_run").matchesBranch("dev")).isFalse();
    assertThat(w.on().on("push")).isNull();
  }
}
