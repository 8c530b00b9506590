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
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker container actions on real Podman: {@code uses: docker://IMAGE}, and an action of the
 * tests' own from a git source whose {@code action.yml} says {@code using: docker} with a
 * Dockerfile built on the local busybox image.
 */
@Tag("containers")
class DockerActionsTest {

  @TempDir Path data;
  @TempDir Path source;
  @TempDir Path actions;

  static Podman podman;

  /** The built-ins, plus any OWNER/REPO@REF. */
  private static final ActionCatalog CATALOG =
      new ActionCatalog() {
        @Override
        public String problemWith(String uses) {
          return uses.contains("@") && !uses.startsWith("actions/checkout")
              ? null
              : BuiltInActions.registry().problemWith(uses);
        }

        @Override
        public Set<String> inputsOf(String uses) {
          return Set.of("who");
        }

        @Override
        public Set<String> requiredInputsOf(String uses) {
          return Set.of();
        }
      };

  @BeforeAll
  static void image() throws Exception {
    podman = Podman.require();
    BusyboxImage.ensure(podman);
  }

  record Outcome(RunResult result, List<String> lines) {
    String log() {
      return String.join("\n", lines);
    }
  }

  Outcome run(String yaml) throws Exception {
    Workflow workflow = new WorkflowParser(CATALOG).parse(yaml, Path.of("ci.yml"), "ci.yml");
    GitActionStepRunner git =
        new GitActionStepRunner(
            data.resolve("actions"),
            new ActionSources(List.of(actions.toUri().toString()), Map.of()),
            NodeRuntime.locate(null, System.getenv("PATH")));
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data),
                StepRunners.withGitActions(BuiltInActions.registry(), git))) {
      RunResult result =
          executor
              .start(
                  new RunRequest(
                      workflow,
                      "acme/web",
                      "push",
                      Map.of("ref", "refs/heads/main"),
                      "refs/heads/main",
                      "0123456789abcdef0123456789abcdef01234567",
                      Map.of(),
                      Map.of("TOKEN", "very-secret-value"),
                      Map.of(),
                      Map.of(),
                      Set.of(),
                      source,
                      null,
                      null,
                      "tester"),
                  new RunListener() {
                    @Override
                    public void logLine(String jobKey, LogLine line) {
                      lines.add(line.text());
                    }
                  })
              .await();
      return new Outcome(result, lines);
    }
  }

  @Test
  void aDockerImageStepRunsWithTheWorkspaceAtGithubWorkspaceAndSetsOutputs() throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - id: inside
                    uses: docker://%s
                    env:
                      SECRET: ${{ secrets.TOKEN }}
                    with:
                      entrypoint: sh
                      args: -c 'pwd; echo made-in-container > made.txt; echo "where=$GITHUB_WORKSPACE" >> "$GITHUB_OUTPUT"; echo "secret $SECRET"; echo "home $HOME input $INPUT_COLOR"'
                      color: blue
                  - run: echo "host read $(cat made.txt) ${{ steps.inside.outputs.where }}"
            """
                .formatted(BusyboxImage.NAME));
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines())
        .contains(
            "/github/workspace",
            "secret ***",
            "home /github/home input blue",
            "host read made-in-container /github/workspace");
  }

  @Test
  void aDockerActionInAJobWithServicesJoinsTheJobsNetworkAndReachesThemByTheirIds()
      throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                services:
                  web:
                    image: %s
                    env: {GREETING: hello-from-the-service}
                steps:
                  - uses: docker://%s
                    with:
                      entrypoint: wget
                      args: -q -O - http://web:8080/
            """
                .formatted(BusyboxImage.WEB, BusyboxImage.NAME));
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines()).contains("hello-from-the-service");
  }

  @Test
  void aDockerActionFromAGitSourceIsBuiltFromItsDockerfileAndGetsItsInputsAsArgs()
      throws Exception {
    Path repo = Files.createDirectories(actions.resolve("tests").resolve("greet"));
    Files.writeString(
        repo.resolve("action.yml"),
        """
        name: greet
        inputs:
          who: {description: who, default: world}
        outputs:
          greeting: {description: what was said}
        runs:
          using: docker
          image: Dockerfile
          args: ['Hello, ${{ inputs.who }}!']
          env:
            STYLE: loud-${{ inputs.who }}
        """);
    Files.writeString(
        repo.resolve("Dockerfile"),
        "FROM %s\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n"
            .formatted(BusyboxImage.NAME));
    Files.writeString(
        repo.resolve("entrypoint.sh"),
        "#!/bin/sh\necho \"$1 ($STYLE)\"\necho \"greeting=$1\" >> \"$GITHUB_OUTPUT\"\n");
    repo.resolve("entrypoint.sh").toFile().setExecutable(true, false);
    ActionRepos.git(repo, "init", "-q", "-b", "main");
    ActionRepos.git(repo, "add", ".");
    ActionRepos.git(
        repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "greet");
    ActionRepos.git(repo, "tag", "v1");

    Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - id: greet
                    uses: tests/greet@v1
                    with: {who: Gantry}
                  - run: echo "said ${{ steps.greet.outputs.greeting }}"
            """);
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines()).contains("Hello, Gantry! (loud-Gantry)", "said Hello, Gantry!");
  }

  @Test
  void aDockerImageThatDoesNotExistFailsTheStepInOneLine() throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker://127.0.0.1:1/missing/image:1
            """);
    assertThat(out.result().conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(out.result().jobs().get(0).steps().get(0).message())
        .startsWith(
            "docker://127.0.0.1:1/missing/image:1: image 127.0.0.1:1/missing/image:1: cannot pull"
                + " the image:")
        .doesNotContain("\n");
  }

  @Test
  void aDockerActionsPreAndPostEntrypointsRunAtTheJobsSetUpAndEndInTheSameImage() throws Exception {
    Path repo = Files.createDirectories(actions.resolve("tests").resolve("phases"));
    Files.writeString(
        repo.resolve("action.yml"),
        """
        name: phases
        inputs:
          who: {description: who, default: world}
        runs:
          using: docker
          image: Dockerfile
          pre-entrypoint: /phase.sh
          entrypoint: /phase.sh
          post-entrypoint: /phase.sh
          args: ['${{ inputs.who }}']
        """);
    Files.writeString(
        repo.resolve("Dockerfile"),
        "FROM %s\nCOPY phase.sh /phase.sh\n".formatted(BusyboxImage.NAME));
    // each phase says which entrypoint ran it ($0), appends to a file of the workspace, and
    // shows what the earlier phases left there
    Files.writeString(
        repo.resolve("phase.sh"),
        "#!/bin/sh\n"
            + "n=$(cat phases.txt 2>/dev/null | wc -l)\n"
            + "echo \"phase $((n + 1)) for $1 after $n\"\n"
            + "echo \"$1\" >> phases.txt\n");
    repo.resolve("phase.sh").toFile().setExecutable(true, false);
    ActionRepos.git(repo, "init", "-q", "-b", "main");
    ActionRepos.git(repo, "add", ".");
    ActionRepos.git(
        repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "phases");
    ActionRepos.git(repo, "tag", "v1");

    Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "before the action $(cat phases.txt | wc -l)"
                  - uses: tests/phases@v1
                    with: {who: Gantry}
                  - run: echo "after the action $(cat phases.txt | wc -l)"
            """);
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    List<String> phases =
        out.lines().stream()
            .filter(l -> l.startsWith("phase ") || l.matches("(before|after) the action \\d+"))
            .toList();
    assertThat(phases)
        .containsExactly(
            "phase 1 for Gantry after 0",
            "before the action 1",
            "phase 2 for Gantry after 1",
            "after the action 2",
            "phase 3 for Gantry after 2");
  }
}
