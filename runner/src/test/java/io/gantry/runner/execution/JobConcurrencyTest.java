package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job-level {@code concurrency:} across runs of one executor, as GitHub applies it. */
class JobConcurrencyTest {

  @TempDir Path data;
  @TempDir Path shared;
  private RunStore store;
  private WorkflowExecutor executor;

  @BeforeEach
  void start() {
    store = Stores.openEmbedded(data);
    executor =
        new WorkflowExecutor(
            BuiltInActions.registry(),
            store,
            ExecutorOptions.defaults(data).withKillGracePeriod(Duration.ofSeconds(1)));
  }

  @AfterEach
  void stop() {
    executor.close();
    store.close();
  }

  @Test
  void aJobWaitsForTheJobOfItsGroupThatRunsInAnotherRun() throws Exception {
    Path log = shared.resolve("deploys.log");
    Path release = shared.resolve("release");
    // The first deploy holds its group until the test has seen the second one waiting.
    Workflow workflow =
        workflow(
            """
            on: push
            jobs:
              deploy:
                runs-on: x
                concurrency: {group: "Deploy-${{ github.ref }}"}
                steps:
                  - run: |
                      echo "start $RUN" >> "$LOG"
                      while [ "$RUN" = first ] && [ ! -f "$RELEASE" ]; do sleep 0.05; done
                      echo "end $RUN" >> "$LOG"
            """);
    WorkflowExecutor.Execution first =
        executor.start(request(workflow, "first", log, release), null);
    waitUntil(() -> lines(log).contains("start first"));
    List<LogLine> secondLines = new java.util.concurrent.CopyOnWriteArrayList<>();
    WorkflowExecutor.Execution second =
        executor.start(request(workflow, "second", log, release), listener(secondLines));
    waitUntil(() -> secondLines.stream().anyMatch(l -> l.text().contains("Waiting for")));
    assertThat(lines(log)).containsExactly("start first");
    Files.writeString(release, "");

    assertThat(first.await().conclusion()).isEqualTo(Conclusion.SUCCESS);
    assertThat(second.await().conclusion()).isEqualTo(Conclusion.SUCCESS);
    assertThat(lines(log))
        .containsExactly("start first", "end first", "start second", "end second");
    assertThat(secondLines)
        .anyMatch(
            l ->
                l.text()
                    .equals(
                        "Waiting for job 'deploy' of run "
                            + first.runId()
                            + " in concurrency group 'Deploy-refs/heads/main'"));
  }

  @Test
  void cancelInProgressCancelsTheRunningJobOfTheGroup() throws Exception {
    Path log = shared.resolve("deploys.log");
    Workflow workflow =
        workflow(
            """
            on: push
            jobs:
              deploy:
                runs-on: x
                concurrency: {group: prod, cancel-in-progress: true}
                steps:
                  - run: |
                      echo "start $RUN" >> "$LOG"
                      if [ "$RUN" = first ]; then sleep 60; fi
                      echo "end $RUN" >> "$LOG"
            """);
    WorkflowExecutor.Execution first =
        executor.start(request(workflow, "first", log, shared.resolve("unused")), null);
    waitUntil(() -> lines(log).contains("start first"));
    WorkflowExecutor.Execution second =
        executor.start(request(workflow, "second", log, shared.resolve("unused")), null);

    RunResult cancelled = first.await();
    assertThat(cancelled.conclusion()).isEqualTo(Conclusion.CANCELLED);
    assertThat(cancelled.jobs().get(0).conclusion()).isEqualTo(Conclusion.CANCELLED);
    assertThat(second.await().conclusion()).isEqualTo(Conclusion.SUCCESS);
    assertThat(lines(log)).containsExactly("start first", "start second", "end second");
    assertThat(store.findRun(first.runId()).orElseThrow().conclusion()).isEqualTo(Result.CANCELLED);
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

  private static RunListener listener(List<LogLine> lines) {
    return new RunListener() {
      @Override
      public void logLine(String jobKey, LogLine line) {
        lines.add(line);
      }
    };
  }

  private static List<String> lines(Path log) throws java.io.IOException {
    return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
  }

  private static Workflow workflow(String yaml) throws Exception {
    return new WorkflowParser(BuiltInActions.registry())
        .parse(yaml, Path.of("deploy.yml"), "deploy.yml");
  }

  private RunRequest request(Workflow workflow, String run, Path log, Path release) {
    return new RunRequest(
        workflow,
        "acme/web",
        "push",
        Map.of("ref", "refs/heads/main"),
        "refs/heads/main",
        "0123456789abcdef0123456789abcdef01234567",
        Map.of(),
        Map.of(),
        Map.of(),
        Map.of("RUN", run, "LOG", log.toString(), "RELEASE", release.toString()),
        Set.of(),
        shared,
        null,
        null,
        "tester");
  }
}
