package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run leaves on the disk and in the store: a private data directory, private step scripts
 * and raw output, no folders of dead runs after start-up, a capped step log, and no step output
 * with a secret in the store. Real executor, real processes, real files.
 */
class SecretsAtRestTest {

  private static final String SECRET = "s3cr3t-t0ken-value";

  @TempDir Path temp;
  private Path data;
  private Path shared;
  private RunStore store;
  private WorkflowExecutor executor;

  @BeforeEach
  void start() throws IOException {
    // A data directory Gantry creates itself, as on a first start.
    data = temp.resolve("data");
    shared = Files.createDirectories(temp.resolve("shared"));
    store = Stores.openEmbedded(data);
    executor =
        new WorkflowExecutor(
            BuiltInActions.registry(),
            store,
            ExecutorOptions.defaults(data)
                .withKillGracePeriod(Duration.ofSeconds(1))
                .withStepLogBytes(8 * 1024));
  }

  @AfterEach
  void stop() {
    executor.close();
    store.close();
  }

  @Test
  void theDataDirectoryAndTheFoldersGantryOwnsInItArePrivate() throws Exception {
    assertThat(permissions(data)).isEqualTo("rwx------");
    for (String folder : List.of("db", "logs", "workspaces", "tmp")) {
      assertThat(permissions(data.resolve(folder))).as(folder).isEqualTo("rwx------");
    }
    RunResult result = executor.run(request(workflow("- run: echo \"hello\"\n"), null), null);

    assertThat(result.conclusion()).isEqualTo(Conclusion.SUCCESS);
    List<Path> logs = files(data.resolve("logs"));
    assertThat(logs).isNotEmpty();
    for (Path log : logs) {
      assertThat(permissions(log)).as(log.toString()).isEqualTo("rw-------");
    }
    for (Path dir : folders(data.resolve("logs"))) {
      assertThat(permissions(dir)).as(dir.toString()).isEqualTo("rwx------");
    }
  }

  @Test
  void aRunningStepsScriptAndRawOutputAreOnlyReadableByTheirOwner() throws Exception {
    Path release = shared.resolve("release");
    Workflow workflow =
        workflow(
            """
            - run: |
                echo "token ${{ secrets.TOKEN }}"
                touch "$SHARED/started"
                while [ ! -f "$SHARED/release" ]; do sleep 0.05; done
            """);
    WorkflowExecutor.Execution execution = executor.start(request(workflow, null), null);
    waitUntil(() -> Files.exists(shared.resolve("started")));
    Path runTemp = data.resolve("tmp").resolve(Long.toString(execution.runId()));
    List<Path> stepFiles = files(runTemp.resolve("_steps"));
    Path script =
        stepFiles.stream().filter(p -> p.toString().endsWith(".sh")).findFirst().orElseThrow();
    Path output =
        stepFiles.stream().filter(p -> p.toString().endsWith(".stdout")).findFirst().orElseThrow();
    String scriptText = Files.readString(script);
    String outputText = Files.readString(output);
    String scriptMode = permissions(script);
    String outputMode = permissions(output);
    List<String> folderModes =
        folders(runTemp).stream().map(SecretsAtRestTest::permissions).toList();
    Files.writeString(release, "");

    assertThat(execution.await().conclusion()).isEqualTo(Conclusion.SUCCESS);
    // They do hold the secret in clear: that is why only their owner may read them.
    assertThat(scriptText).contains(SECRET);
    assertThat(outputText).contains("token " + SECRET);
    assertThat(scriptMode).isEqualTo("rw-------");
    assertThat(outputMode).isEqualTo("rw-------");
    assertThat(folderModes).isNotEmpty().containsOnly("rwx------");
    assertThat(runTemp).doesNotExist();
  }

  @Test
  void startUpRemovesTheFoldersOfRunsThatAreNotRunning() throws Exception {
    RunResult finished = executor.run(request(workflow("- run: echo \"done\"\n"), null), null);
    long queued = store.createRun(newRun()).id();
    // What a killed process leaves: the workspace and the step files of its runs.
    Path deadWorkspace = leftover("workspaces", finished.runId(), "src/main.c");
    Path deadScript = leftover("tmp", finished.runId(), "_steps/build/1.script.sh");
    Path unknown = leftover("tmp", 987_654, "_steps/build/1.stdout");
    Path queuedWorkspace = leftover("workspaces", queued, "keep.txt");
    Path notARun = leftover("tmp", 0, "x").getParent().resolveSibling("cache-folder");
    Files.createDirectories(notARun);

    List<Path> removed = StaleRunFiles.sweep(data, store);

    assertThat(deadWorkspace).doesNotExist();
    assertThat(deadScript).doesNotExist();
    assertThat(unknown).doesNotExist();
    assertThat(data.resolve("workspaces").resolve(Long.toString(finished.runId()))).doesNotExist();
    assertThat(queuedWorkspace).exists();
    assertThat(notARun).exists();
    assertThat(removed)
        .contains(
            data.resolve("workspaces").resolve(Long.toString(finished.runId())),
            data.resolve("tmp").resolve(Long.toString(finished.runId())),
            data.resolve("tmp").resolve("987654"));
  }

  @Test
  void pastTheStepLogLimitOutputIsDroppedWithOneLineAndTheStepKeepsRunning() throws Exception {
    Workflow workflow =
        workflow(
            """
            - run: |
                for i in $(seq 1 500); do
                  echo "line $i of a step that prints far more than its log may keep"
                done
                touch "$SHARED/finished"
            - run: echo "the next step logs as usual"
            """);
    RunResult result = executor.run(request(workflow, null), null);

    assertThat(result.conclusion()).isEqualTo(Conclusion.SUCCESS);
    assertThat(shared.resolve("finished")).exists();
    Path log = executor.logs().stepLog(result.runId(), "build", 1);
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertThat(lines.stream().filter(l -> l.contains("limits.step-log-size")).count()).isEqualTo(1);
    assertThat(String.join("\n", lines)).contains("line 1 of").doesNotContain("line 500 of");
    // The limit, the one notice line and the runner's own few lines.
    assertThat(Files.size(log)).isLessThan(8 * 1024 + 1024);
    assertThat(executor.logs().read(result.runId(), "build", 2))
        .anyMatch(l -> l.contains("the next step logs as usual"));
  }

  @Test
  void stepOutputsHoldingASecretReachLaterStepsButNotTheStore() throws Exception {
    Workflow workflow =
        workflow(
            """
            - id: a
              run: |
                echo "::add-mask::masked-by-the-step"
                echo "token=prefix-${{ secrets.TOKEN }}" >> "$GITHUB_OUTPUT"
                echo "masked=masked-by-the-step" >> "$GITHUB_OUTPUT"
                echo "plain=hello" >> "$GITHUB_OUTPUT"
            - run: |
                echo "${{ steps.a.outputs.token }}|${{ steps.a.outputs.masked }}" > "$SHARED/seen"
            """);
    RunResult result = executor.run(request(workflow, null), null);

    assertThat(result.conclusion()).isEqualTo(Conclusion.SUCCESS);
    assertThat(Files.readString(shared.resolve("seen")).strip())
        .isEqualTo("prefix-" + SECRET + "|masked-by-the-step");
    RunHistory.JobRecord job = store.jobsOf(result.runId()).get(0);
    RunHistory.StepRecord first =
        store.stepsOf(job.id()).stream().filter(s -> s.number() == 1).findFirst().orElseThrow();
    assertThat(first.outputs()).containsExactly(Map.entry("plain", "hello"));
    assertThat(result.jobs().get(0).steps().get(0).outputs())
        .containsExactly(Map.entry("plain", "hello"));
    assertThat(executor.logs().read(result.runId(), "build", 1))
        .anyMatch(l -> l.contains("Skip output 'token' since it may contain secret"))
        .anyMatch(l -> l.contains("Skip output 'masked' since it may contain secret"))
        .noneMatch(l -> l.contains(SECRET));
  }

  private Path leftover(String area, long runId, String file) throws IOException {
    Path path = data.resolve(area).resolve(Long.toString(runId)).resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, "left over " + SECRET);
    return path;
  }

  private static String permissions(Path path) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> tree = Files.walk(dir)) {
      return tree.filter(Files::isRegularFile).toList();
    }
  }

  private static List<Path> folders(Path dir) throws IOException {
    try (Stream<Path> tree = Files.walk(dir)) {
      return tree.filter(Files::isDirectory).toList();
    }
  }

  /** Polls until the condition holds; fails after a minute (a bound, not a timing assertion). */
  private static void waitUntil(java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!condition.call()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the condition did not come true within a minute");
      }
      Thread.sleep(20);
    }
  }

  private static Workflow workflow(String steps) throws Exception {
    String yaml =
        "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n"
            + steps.indent(6).replaceAll("(?m)^\\s+$", "");
    return new WorkflowParser(BuiltInActions.registry())
        .parse(yaml, Path.of("build.yml"), "build.yml");
  }

  private RunRequest request(Workflow workflow, Path workspace) {
    return new RunRequest(
        workflow,
        "acme/web",
        "push",
        Map.of("ref", "refs/heads/main"),
        "refs/heads/main",
        "0123456789abcdef0123456789abcdef01234567",
        Map.of(),
        Map.of("TOKEN", SECRET),
        Map.of(),
        Map.of("SHARED", shared.toString()),
        Set.of(),
        null,
        null,
        workspace,
        "tester");
  }

  private static RunHistory.NewRun newRun() {
    return new RunHistory.NewRun(
        "acme/web",
        "build.yml",
        "build",
        "on: push",
        "push",
        "refs/heads/main",
        "0123456789abcdef0123456789abcdef01234567",
        Map.of(),
        "tester",
        "{}",
        null,
        false);
  }
}
