package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkflowLimitsTest {

  private static final WorkflowParser PARSER =
      new WorkflowParser(io.gantry.runner.action.builtin.BuiltInActions.registry());

  private static String matrix(int keys, int values, String extra) {
    StringBuilder yaml =
        new StringBuilder(
            "on: push\njobs:\n  big:\n    runs-on: x\n    strategy:\n      matrix:\n");
    for (int k = 0; k < keys; k++) {
      yaml.append("        k").append(k).append(": [");
      for (int v = 0; v < values; v++) {
        yaml.append(v == 0 ? "" : ", ").append(v);
      }
      yaml.append("]\n");
    }
    return yaml.append(extra).append("    steps:\n      - run: echo hi\n").toString();
  }

  @Test
  void aMatrixOf65536JobsIsAValidationErrorNamingTheJobAndTheCount() {
    assertThatThrownBy(() -> PARSER.parse(matrix(4, 16, ""), Path.of("ci.yml"), "ci.yml"))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining(
            "ci.yml:6:7: the matrix of job 'big' generates 65536 jobs, over the limit of 256"
                + " (limits.matrix-jobs in gantry.yml; GitHub's is 256)");
  }

  @Test
  void excludeAndIncludeAreCountedAsTheExecutorExpandsThem() throws Exception {
    // 16 × 16 = 256, minus 16 excluded, plus one include that extends nothing: 241, under 256.
    String yaml =
        matrix(
            2,
            16,
            "        exclude:\n          - k0: 0\n        include:\n          - k0: 99\n            k1: 99\n");
    assertThat(PARSER.parse(yaml, Path.of("ci.yml"), "ci.yml").jobs()).containsKey("big");
    // 257 without the exclude: over.
    String over = matrix(2, 16, "        include:\n          - k0: 99\n            k1: 99\n");
    assertThatThrownBy(() -> PARSER.parse(over, Path.of("ci.yml"), "ci.yml"))
        .hasMessageContaining("generates 257 jobs");
  }

  @Test
  void theLimitsAreConfigurable() throws Exception {
    WorkflowParser roomy =
        new WorkflowParser(
            io.gantry.runner.action.builtin.BuiltInActions.registry(),
            new WorkflowLimits(100_000, 1 << 20));
    assertThat(roomy.parse(matrix(4, 16, ""), Path.of("ci.yml"), "ci.yml").jobs()).hasSize(1);

    WorkflowParser small =
        new WorkflowParser(
            io.gantry.runner.action.builtin.BuiltInActions.registry(),
            new WorkflowLimits(256, 100));
    assertThatThrownBy(() -> small.parse(matrix(1, 2, ""), Path.of("ci.yml"), "ci.yml"))
        .isInstanceOf(WorkflowException.class)
        .satisfies(
            e ->
                assertThat(
                        ((WorkflowException) e).problems().stream().map(Problem::message).toList())
                    .isEqualTo(
                        List.of(
                            "the workflow file is "
                                + matrix(1, 2, "").length()
                                + " bytes, over the limit of 100 bytes (limits.workflow-file-size in"
                                + " gantry.yml; GitHub's is 500 KB)")));
  }
}
