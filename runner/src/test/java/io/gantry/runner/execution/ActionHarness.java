package io.gantry.runner.execution;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs workflows with the executor and the runners for actions from git, against a {@code file://}
 * source holding the real actions of the test resources ({@link ActionRepos}) and the tests' own
 * actions, published as real git repositories ({@link #publish}).
 */
final class ActionHarness {

  /** Built-ins are checked; any other OWNER/REPO@REF or ./PATH is left to the runners. */
  static final ActionCatalog CATALOG =
      new ActionCatalog() {
        @Override
        public String problemWith(String uses) {
          return BuiltInActions.registry().problemWith(uses) == null
                  || uses.startsWith("./")
                  || (uses.contains("@") && !uses.startsWith("actions/checkout"))
              ? null
              : BuiltInActions.registry().problemWith(uses);
        }

        @Override
        public Set<String> inputsOf(String uses) {
          return uses.startsWith("actions/checkout")
              ? BuiltInActions.registry().inputsOf(uses)
              : null;
        }

        @Override
        public Set<String> requiredInputsOf(String uses) {
          return Set.of();
        }
      };

  final Path data;
  final Path source;
  final String sourceUrl;
  final List<String> lines = new CopyOnWriteArrayList<>();

  ActionHarness(Path data, Path source) throws IOException {
    this.data = data;
    this.source = source;
    this.sourceUrl = ActionRepos.serve(source);
  }

  /**
   * Commits {@code files} into a new git repository and publishes it as {@code OWNER/REPO} in the
   * source, tagged {@code tag}. Returns the commit.
   */
  String publish(String ownerRepo, String tag, Map<String, String> files) throws IOException {
    Path work = Files.createTempDirectory(data, "repo");
    write(work, files);
    ActionRepos.git(work, "init", "-q", "-b", "main");
    ActionRepos.git(work, "add", "-A");
    ActionRepos.git(
        work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "action");
    ActionRepos.git(work, "tag", tag);
    Path bare = source.resolve(ownerRepo);
    Files.createDirectories(bare.getParent());
    ActionRepos.git(bare.getParent(), "clone", "-q", "--bare", work.toString(), bare.toString());
    return ActionRepos.git(work, "rev-parse", "HEAD");
  }

  static void write(Path dir, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path target = dir.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
      if (file.getKey().endsWith(".sh")) {
        target.toFile().setExecutable(true);
      }
    }
  }

  Workflow parse(String yaml) throws io.gantry.runner.workflow.WorkflowException {
    return new WorkflowParser(CATALOG).parse(yaml, Path.of("ci.yml"), "ci.yml");
  }

  /** Runs the workflow with {@code checkout} as the source directory actions/checkout copies. */
  RunResult run(Workflow workflow, Path checkout, Map<String, String> secrets) throws Exception {
    GitActionStepRunner git =
        new GitActionStepRunner(
            data.resolve("actions"),
            new ActionSources(List.of(sourceUrl), Map.of()),
            NodeRuntime.locate(null, System.getenv("PATH")));
    try (RunStore store = Stores.openEmbedded(data.resolve("store"));
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data.resolve("store")),
                StepRunners.withGitActions(BuiltInActions.registry(), git))) {
      return executor
          .start(
              new RunRequest(
                  workflow,
                  "acme/web",
                  "push",
                  Map.of("ref", "refs/heads/main"),
                  "refs/heads/main",
                  "0123456789abcdef0123456789abcdef01234567",
                  Map.of(),
                  secrets,
                  Map.of(),
                  Map.of(),
                  Set.of(),
                  checkout,
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
    }
  }

  String log() {
    return String.join("\n", lines);
  }
}
