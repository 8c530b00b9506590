package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JavaScript actions of a job with a job container run inside it, as on GitHub: the real
 * hello-world and github-script bundles, in a busybox image without Node.js (the host's is mounted
 * at /__e/node), with the action's folder at /__w/_actions and the file commands under /__w/_temp.
 */
@Tag("containers")
class ContainerActionsTest {

  static Podman podman;

  @TempDir Path data;
  @TempDir Path checkout;
  @TempDir static Path sources;
  static String source;

  @BeforeAll
  static void images() throws Exception {
    podman = Podman.require();
    BusyboxImage.ensure(podman);
    source = ActionRepos.serve(sources);
  }

  TestRuns.Outcome run(String yaml, Isolation isolation) throws Exception {
    Workflow workflow =
        new WorkflowParser(ActionHarness.CATALOG).parse(yaml, Path.of("ci.yml"), "ci.yml");
    GitActionStepRunner git =
        new GitActionStepRunner(
            data.resolve("actions"),
            new ActionSources(List.of(source), Map.of()),
            NodeRuntime.locate(null, System.getenv("PATH")));
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data),
                StepRunners.withGitActions(BuiltInActions.registry(), git))) {
      return TestRuns.run(
          executor,
          TestRuns.push(workflow, checkout, Map.of("GITHUB_TOKEN", "ghs_test"))
              .withIsolation(isolation));
    }
  }

  static final String STEPS =
      """
              - run: echo from-a-run-step > made.txt
              - id: hello
                uses: actions/hello-world-javascript-action@v1
                with: {who-to-greet: Gantry}
              - id: script
                uses: actions/github-script@v7
                with:
                  result-encoding: string
                  script: |
                    const fs = require('fs');
                    console.log('cwd ' + process.cwd());
                    console.log('action path ' + process.env.GITHUB_ACTION_PATH);
                    console.log('output file ' + process.env.GITHUB_OUTPUT);
                    console.log('debian ' + fs.existsSync('/etc/debian_version'));
                    console.log('busybox ' + fs.existsSync('/bin/busybox'));
                    console.log('read ' + fs.readFileSync('made.txt', 'utf8').trim());
                    core.exportVariable('FROM_SCRIPT', 'exported-by-script');
                    return 'answer-' + (6 * 7);
              - run: |
                  echo "got ${{ steps.script.outputs.result }} at ${{ steps.hello.outputs.time != '' }}"
                  echo "env $FROM_SCRIPT"
      """;

  void assertRanInside(TestRuns.Outcome out) {
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines())
        .contains(
            "Hello, Gantry!",
            "cwd /__w/web/web",
            "debian false",
            "busybox true",
            "read from-a-run-step",
            "got answer-42 at true",
            "env exported-by-script");
    assertThat(out.lines())
        .anySatisfy(
            l -> assertThat(l).matches("action path /__w/_actions/actions/github-script/\\w+"))
        .anySatisfy(l -> assertThat(l).matches("output file /__w/_temp/_steps/.+/output-main"));
  }

  @Test
  void javascriptActionsOfAContainerJobRunInsideTheJobContainer() throws Exception {
    assertRanInside(
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                container: %s
                steps:
            """
                    .formatted(BusyboxImage.NAME)
                + STEPS,
            Isolation.HOST));
  }

  @Test
  void underIsolationJavascriptActionsRunInTheIsolationContainer() throws Exception {
    assertRanInside(
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
            """
                + STEPS,
            Isolation.container(BusyboxImage.NAME)));
  }

  @Test
  void onTheHostTheSameStepsSeeTheHost() throws Exception {
    // the control: the probes above tell the host from the container
    TestRuns.Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
            """
                + STEPS,
            Isolation.HOST);
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines()).contains("debian true").doesNotContain("cwd /__w/web/web");
  }
}
