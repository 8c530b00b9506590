package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runner: {isolation: container}}: a job without {@code container:} runs in a container of
 * the configured image on real Podman, sees its own workspace and not another repository's.
 */
@Tag("containers")
class IsolationTest {

  static Podman podman;

  @TempDir Path data;
  @TempDir Path source;

  @BeforeAll
  static void images() throws Exception {
    podman = Podman.require();
    BusyboxImage.ensure(podman);
  }

  TestRuns.Outcome run(String yaml, Isolation isolation) throws Exception {
    Workflow workflow =
        new WorkflowParser(BuiltInActions.registry()).parse(yaml, Path.of("ci.yml"), "ci.yml");
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data),
                StepRunners.builtIn(BuiltInActions.registry()))) {
      return TestRuns.run(
          executor, TestRuns.push(workflow, source, Map.of()).withIsolation(isolation));
    }
  }

  /** The workspace of another repository's run in progress on the same server. */
  Path otherWorkspace() throws Exception {
    Path other = Files.createDirectories(data.resolve("workspaces/999/build"));
    Files.writeString(other.resolve("secret.txt"), "other-repository-secret\n");
    return other;
  }

  static final String PROBE =
      """
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - run: |
                echo "workspace $GITHUB_WORKSPACE"
                test -x /bin/busybox && test ! -e /usr/bin/java && echo inside-the-image
                if cat "%s/secret.txt"; then echo saw-the-other-workspace; else echo other-invisible; fi
                echo written-inside > mine.txt
            - run: echo "next step reads $(cat mine.txt)"
      """;

  @Test
  void aJobWithoutContainerRunsInTheIsolationImageAndCannotSeeAnotherRepositorysWorkspace()
      throws Exception {
    Path other = otherWorkspace();
    TestRuns.Outcome out = run(PROBE.formatted(other), Isolation.container(BusyboxImage.NAME));
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines())
        .contains(
            "workspace /__w/web/web",
            "inside-the-image",
            "other-invisible",
            "next step reads written-inside")
        .doesNotContain("other-repository-secret", "saw-the-other-workspace");
    assertThat(out.log())
        .contains("Isolation: the job runs in a container of " + BusyboxImage.NAME);
  }

  @Test
  void theSameJobOnTheHostSeesTheOtherWorkspace() throws Exception {
    // the control: the probe above can tell the two apart
    Path other = otherWorkspace();
    TestRuns.Outcome out = run(PROBE.formatted(other), Isolation.HOST);
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines())
        .contains("other-repository-secret", "saw-the-other-workspace")
        .doesNotContain("inside-the-image", "other-invisible");
  }

  @Test
  void theJobsOwnContainerWinsOverTheIsolationImage() throws Exception {
    TestRuns.Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                container: %s
                steps:
                  - run: test -x /bin/busybox && echo in-its-own
            """
                .formatted(BusyboxImage.WEB),
            Isolation.container(BusyboxImage.NAME));
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.log())
        .contains("Starting job container (" + BusyboxImage.WEB + ")", "in-its-own")
        .doesNotContain("Starting job container (" + BusyboxImage.NAME + ")");
  }

  @Test
  void aHostFolderInVolumesFailsTheJobUnderIsolationInOneLine() throws Exception {
    TestRuns.Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                container:
                  image: %s
                  volumes: [/etc:/host-etc]
                steps:
                  - run: echo should-not-run
            """
                .formatted(BusyboxImage.NAME),
            Isolation.container(BusyboxImage.NAME));
    assertThat(out.result().conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(out.result().jobs().get(0).message())
        .contains(
            "container.volumes: '/etc:/host-etc' mounts a folder of the host, which this"
                + " repository's isolation (gantry.yml runner.isolation: container) forbids")
        .doesNotContain("\n");
    assertThat(out.lines()).doesNotContain("should-not-run");
  }
}
