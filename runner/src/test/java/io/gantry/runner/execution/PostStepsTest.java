package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JavaScript actions' {@code pre} and {@code post} through the executor: every pre at the job's
 * set-up (see {@link PreStepsTest}), posts at the job's end in reverse order as steps named "Post
 * …", with the state main saved, {@code post-if} honoured; and a job asking for Windows skipped
 * with its reason.
 */
class PostStepsTest {

  @TempDir Path data;
  @TempDir Path repo;

  private static final ActionCatalog ANY =
      new ActionCatalog() {
        @Override
        public String problemWith(String uses) {
          return null;
        }

        @Override
        public Set<String> inputsOf(String uses) {
          return null;
        }

        @Override
        public Set<String> requiredInputsOf(String uses) {
          return Set.of();
        }
      };

  /** An action of the test's own in a git repository acme/NAME tagged v1, in the source folder. */
  private void action(String name, String postIf) throws Exception {
    Path dir = Files.createDirectories(data.resolve("work/" + name));
    Files.writeString(
        dir.resolve("action.yml"),
        "name: "
            + name
            + "\nruns:\n  using: node20\n  pre: pre.js\n  main: main.js\n  post: post.js\n"
            + (postIf == null ? "" : "  post-if: " + postIf + "\n"));
    Files.writeString(dir.resolve("pre.js"), "console.log('pre " + name + "');\n");
    Files.writeString(
        dir.resolve("main.js"),
        "require('fs').appendFileSync(process.env.GITHUB_STATE, 'token="
            + name
            + "-state\\n');\n"
            + "console.log('main "
            + name
            + "');\n");
    Files.writeString(
        dir.resolve("post.js"), "console.log('post " + name + " ' + process.env.STATE_token);\n");
    ActionRepos.git(dir, "init", "-q", "-b", "main");
    ActionRepos.git(dir, "add", ".");
    ActionRepos.git(
        dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", name);
    ActionRepos.git(dir, "tag", "v1");
    Path bare = data.resolve("source/acme/" + name);
    Files.createDirectories(bare.getParent());
    ActionRepos.git(
        bare.getParent(), "clone", "-q", "--bare", dir.toString(), bare.getFileName().toString());
  }

  @Test
  void postsRunAtTheJobsEndInReverseOrderWithTheStateMainSaved() throws Exception {
    action("first", null);
    action("second", null);
    action("only-on-failure", "failure()");
    Workflow workflow =
        new WorkflowParser(ANY)
            .parse(
                """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: acme/first@v1
              - uses: acme/second@v1
              - uses: acme/only-on-failure@v1
              - run: echo last-main-step
          other:
            runs-on: windows-latest
            steps:
              - run: echo never
        """,
                Path.of("ci.yml"),
                "ci.yml");
    List<String> lines = new CopyOnWriteArrayList<>();
    List<String> started = new CopyOnWriteArrayList<>();
    GitActionStepRunner git =
        GitActionStepRunner.locatingNode(
            data.resolve("actions"),
            new ActionSources(List.of(data.resolve("source").toUri().toString()), Map.of()),
            null);
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
                      Map.of(),
                      Map.of(),
                      Map.of(),
                      Set.of(),
                      repo,
                      null,
                      repo,
                      "tester"),
                  new RunListener() {
                    @Override
                    public void logLine(String jobKey, LogLine line) {
                      lines.add(jobKey + ": " + line.text());
                    }

                    @Override
                    public void stepStarted(String jobKey, int number, String name) {
                      started.add(jobKey + " " + number + " " + name);
                    }
                  })
              .await();

      assertThat(result.conclusion()).as(String.join("\n", lines)).isEqualTo(Conclusion.SUCCESS);
      List<String> build =
          lines.stream()
              .filter(
                  l -> l.startsWith("build: ") && !l.contains("⚙") && !l.startsWith("build: Run"))
              .map(l -> l.substring("build: ".length()))
              .filter(l -> l.matches("(pre|main|post) .*|last-main-step"))
              .toList();
      assertThat(build)
          .containsExactly(
              "pre first",
              "pre second",
              "pre only-on-failure",
              "main first",
              "main second",
              "main only-on-failure",
              "last-main-step",
              "post second second-state",
              "post first first-state");
      assertThat(started)
          .contains("build 5 Post Run acme/second@v1", "build 6 Post Run acme/first@v1");
      JobResult other =
          result.jobs().stream().filter(j -> j.jobId().equals("other")).findFirst().orElseThrow();
      assertThat(other.conclusion()).isEqualTo(Conclusion.SKIPPED);
      assertThat(other.message()).contains("runs-on asks for Windows (windows-latest)");
    }
  }
}
