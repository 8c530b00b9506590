package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory.JobRecord;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReusedJobTest {

  private static final String WORKFLOW =
      """
      on: push
      jobs:
        lint: {runs-on: x, steps: [{run: "true"}]}
        build: {runs-on: x, outputs: {v: "${{ steps.s.outputs.v }}"}, steps: [{id: s, run: "true"}]}
        test:
          runs-on: x
          needs: build
          strategy: {matrix: {os: [a, b]}}
          steps: [{run: "true"}]
        package: {runs-on: x, needs: test, steps: [{run: "true"}]}
        docs: {runs-on: x, needs: lint, steps: [{run: "true"}]}
        build-1: {runs-on: x, steps: [{run: "true"}]}
      """;

  private final Workflow workflow = parse();

  @Test
  void failedJobsTheirDependentsAndFailedMatrixInstancesRunAgain() {
    List<JobRecord> previous =
        List.of(
            job("lint", "success", Map.of()),
            job("build", "success", Map.of("v", "1.2.3")),
            job("test-1", "success", Map.of()),
            job("test-2", "failure", Map.of()),
            job("package", "skipped", Map.of()),
            job("docs", "success", Map.of()),
            job("build-1", "success", Map.of()));

    Map<String, List<ReusedJob>> reused = ReusedJob.plan(workflow, previous, 2);

    assertThat(reused).containsOnlyKeys("lint", "build", "docs", "build-1");
    assertThat(reused.get("build"))
        .containsExactly(new ReusedJob("build", "build", Map.of("v", "1.2.3"), 2));
    // A job id that looks like a matrix instance of another job stays itself.
    assertThat(reused.get("build-1")).extracting(ReusedJob::key).containsExactly("build-1");
  }

  @Test
  void aJobWhoseNeedsRunAgainRunsAgainEvenIfItPassed() {
    List<JobRecord> previous =
        List.of(
            job("lint", "cancelled", Map.of()),
            job("build", "success", Map.of()),
            job("test-1", "success", Map.of()),
            job("test-2", "success", Map.of()),
            job("package", "success", Map.of()),
            job("docs", "success", Map.of()));

    Map<String, List<ReusedJob>> reused = ReusedJob.plan(workflow, previous, 1);

    // docs passed but needs lint, which runs again; build-1 never ran, so it runs.
    assertThat(reused).containsOnlyKeys("build", "test", "package");
    assertThat(reused.get("test")).extracting(ReusedJob::key).containsExactly("test-1", "test-2");
  }

  private static JobRecord job(String key, String conclusion, Map<String, String> outputs) {
    return new JobRecord(
        0,
        0,
        key,
        key,
        RunStatus.COMPLETED,
        Result.parse("conclusion", conclusion),
        outputs,
        null,
        null);
  }

  private static Workflow parse() {
    try {
      return new WorkflowParser(BuiltInActions.registry())
          .parse(WORKFLOW, Path.of("ci.yml"), "ci.yml");
    } catch (io.gantry.runner.workflow.WorkflowException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
