package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code pre} of JavaScript actions runs at the job's set-up, as on GitHub: every action's pre
 * before the job's first step, in the order of the steps, honouring {@code pre-if}, its state
 * reaching {@code main} and {@code post}. Actions of the test's own, from a {@code file://} source,
 * append each phase to a file.
 */
class PreStepsTest {

  @TempDir Path data;
  @TempDir Path source;
  @TempDir Path repo;

  private ActionHarness harness;
  private Path order;

  @BeforeEach
  void actions() throws Exception {
    harness = new ActionHarness(data, source);
    order = data.resolve("order.txt");
    publish("acme/order", null, "");
    publish("acme/order-windows-pre", "runner.os == 'Windows'", "");
    publish("acme/bad-pre", null, "process.exit(3);\n");
  }

  /** A node20 action with pre, main and post, each appending a line to the input {@code file}. */
  private void publish(String name, String preIf, String preExtra) throws Exception {
    String append = "const fs = require('fs');\nconst label = process.env.INPUT_LABEL;\n";
    Map<String, String> files = new LinkedHashMap<>();
    files.put(
        "action.yml",
        "name: "
            + name
            + "\ninputs:\n  label: {description: l}\n  file: {description: f}\n"
            + "runs:\n  using: node20\n  pre: pre.js\n"
            + (preIf == null ? "" : "  pre-if: \"" + preIf + "\"\n")
            + "  main: main.js\n  post: post.js\n");
    files.put(
        "pre.js",
        append
            + preExtra
            + "fs.appendFileSync(process.env.INPUT_FILE, 'pre ' + label + '\\n');\n"
            + "fs.appendFileSync(process.env.GITHUB_STATE, 'frompre=' + label + '\\n');\n");
    files.put(
        "main.js",
        append
            + "fs.appendFileSync(process.env.INPUT_FILE, 'main ' + label + ' (pre saved '"
            + " + (process.env.STATE_frompre || '-') + ')\\n');\n");
    files.put(
        "post.js",
        append
            + "fs.appendFileSync(process.env.INPUT_FILE, 'post ' + label + ' (pre saved '"
            + " + (process.env.STATE_frompre || '-') + ')\\n');\n");
    harness.publish(name, "v1", files);
  }

  private RunResult run(String steps) throws Exception {
    String yaml =
        "on: push\nenv:\n  ORDER: "
            + order
            + "\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
            + steps.indent(6);
    return harness.run(harness.parse(yaml), repo, Map.of());
  }

  @Test
  void everyPreRunsBeforeTheFirstStepInStepOrderAndPreIfIsHonoured() throws Exception {
    RunResult result =
        run(
            """
            - run: echo "step 1" >> "$ORDER"
            - uses: acme/order@v1
              with: {label: a, file: "${{ env.ORDER }}"}
            - run: echo "step 3" >> "$ORDER"
            - uses: acme/order@v1
              with: {label: b, file: "${{ env.ORDER }}"}
            - uses: acme/order-windows-pre@v1
              with: {label: c, file: "${{ env.ORDER }}"}
            """);

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(Files.readAllLines(order))
        .containsExactly(
            "pre a",
            "pre b",
            "step 1",
            "main a (pre saved a)",
            "step 3",
            "main b (pre saved b)",
            "main c (pre saved -)",
            "post c (pre saved -)",
            "post b (pre saved b)",
            "post a (pre saved a)");
    assertThat(harness.log()).contains("Pre acme/order@v1");
  }

  @Test
  void aFailingPreFailsTheJobBeforeAnyStepRuns() throws Exception {
    RunResult result =
        run(
            """
            - run: echo "step 1" >> "$ORDER"
            - uses: acme/bad-pre@v1
              with: {label: x, file: "${{ env.ORDER }}"}
            - if: always()
              run: echo "always" >> "$ORDER"
            """);

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(Files.readAllLines(order)).containsExactly("always");
    assertThat(result.jobs().get(0).message())
        .as(harness.log())
        .contains("Pre Run acme/bad-pre@v1 failed: Process completed with exit code 3.");
  }
}
