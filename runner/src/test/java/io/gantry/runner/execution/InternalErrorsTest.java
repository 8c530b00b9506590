package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes wrong inside Gantry while a step runs (a NUL byte in {@code $GITHUB_ENV} or in a value
 * the step's environment gets, an output line longer than any buffer, a step runner that throws
 * anything, an {@link Error} included) ends that step and its job as failed with the cause in the
 * step's log; the job's {@code if: always()} steps still run, and the store shows nothing still in
 * progress.
 */
@org.junit.jupiter.api.Timeout(180)
class InternalErrorsTest {

  @TempDir Path data;
  private RunStore store;

  @BeforeEach
  void open() {
    store = Stores.openEmbedded(data);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aNulByteInGithubEnvFailsTheStepAndCleanUpStillRuns() throws Exception {
    RunResult result =
        run(
            steps(
                "      - name: nul\n        run: printf 'BAD=a\\000b\\n' >> \"$GITHUB_ENV\"\n",
                "      - name: after\n        run: echo never-here\n"),
            List.of());
    assertFailedWithCleanUp(result, "nul", "NUL");
  }

  @Test
  void aNulByteInAStepsEnvironmentFailsTheStep() throws Exception {
    RunResult result =
        run(
            steps(
                "      - name: nul\n        env:\n          TEXT: \"${{ github.event.text }}\"\n"
                    + "        run: echo \"$TEXT\"\n",
                ""),
            List.of());
    assertFailedWithCleanUp(result, "nul", "NUL");
  }

  @Test
  void anOutputLineLongerThanALineMayBeIsCutIntoPiecesAndTheJobGoesOn() throws Exception {
    RunResult result =
        run(
            steps(
                "      - name: long\n        run: head -c 3000000 /dev/zero | tr '\\0' 'x'\n", ""),
            List.of());
    JobResult job = result.jobs().get(0);
    assertThat(job.conclusion()).isEqualTo(Conclusion.SUCCESS);
    List<String> log = logsOf(result);
    assertThat(log).anyMatch(l -> l.contains("xxxx"));
    assertThat(log).allMatch(l -> l.length() <= StepProcess.MAX_LINE_BYTES + 200);
    assertThat(log).anyMatch(l -> l.contains("clean-up-ran"));
  }

  @Test
  void aStepRunnerThatThrowsAnErrorFailsTheStepNotTheServer() throws Exception {
    StepRunner broken =
        new StepRunner() {
          @Override
          public boolean accepts(StepCall step) {
            return step.name().equals("broken");
          }

          @Override
          public StepEnding run(StepCall step) {
            throw new StackOverflowError("the runner broke");
          }
        };
    RunResult result =
        run(steps("      - name: broken\n        run: echo x\n", ""), List.of(broken));
    assertFailedWithCleanUp(result, "broken", "the runner broke");
  }

  @Test
  void aStepRunnerWhoseAcceptsThrowsFailsTheStep() throws Exception {
    StepRunner broken =
        new StepRunner() {
          @Override
          public boolean accepts(StepCall step) {
            if (step.name().equals("broken")) {
              throw new IllegalStateException("accepts blew up");
            }
            return false;
          }

          @Override
          public StepEnding run(StepCall step) {
            return StepEnding.succeeded();
          }
        };
    RunResult result =
        run(steps("      - name: broken\n        run: echo x\n", ""), List.of(broken));
    assertFailedWithCleanUp(result, "broken", "accepts blew up");
  }

  private static String steps(String first, String second) {
    return first
        + second
        + "      - name: clean up\n        if: always()\n        run: echo clean-up-ran\n";
  }

  private void assertFailedWithCleanUp(RunResult result, String failedStep, String cause) {
    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    JobResult job = result.jobs().get(0);
    assertThat(job.conclusion()).isEqualTo(Conclusion.FAILURE);
    List<String> log = logsOf(result);
    assertThat(log)
        .anyMatch(l -> l.contains("[j / " + failedStep + "] Error: ") && l.contains(cause));
    assertThat(log).anyMatch(l -> l.contains("clean-up-ran"));
    assertThat(log).noneMatch(l -> l.contains("never-here"));
    assertThat(store.findRun(result.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(store.jobsOf(result.runId()))
        .isNotEmpty()
        .allSatisfy(
            j -> {
              assertThat(j.status()).isEqualTo(RunStatus.COMPLETED);
              assertThat(store.stepsOf(j.id()))
                  .allSatisfy(s -> assertThat(s.status()).isEqualTo(RunStatus.COMPLETED));
            });
  }

  private List<String> logsOf(RunResult result) {
    return new io.gantry.runner.log.LogStore(data).readRun(result.runId());
  }

  private RunResult run(String steps, List<StepRunner> extra) throws Exception {
    Path file = data.resolve("wf.yml");
    Files.writeString(
        file, "name: errors\non: push\njobs:\n  j:\n    runs-on: x\n    steps:\n" + steps);
    Workflow workflow = new WorkflowParser(BuiltInActions.registry()).parse(file, "wf.yml");
    List<StepRunner> runners = new ArrayList<>(extra);
    runners.addAll(StepRunners.builtIn(BuiltInActions.registry()));
    RunRequest request =
        new RunRequest(
            workflow,
            "acme/errors",
            "push",
            Map.of("ref", "refs/heads/main", "text", "a\u0000b"),
            "refs/heads/main",
            "0123456789abcdef0123456789abcdef01234567",
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of(),
            Set.of(),
            data,
            null,
            null,
            "tester");
    try (WorkflowExecutor executor =
        new WorkflowExecutor(
            BuiltInActions.registry(),
            store,
            ExecutorOptions.defaults(data).withKillGracePeriod(Duration.ofSeconds(1)),
            runners)) {
      return executor.start(request, new RunListener() {}).await();
    }
  }
}
