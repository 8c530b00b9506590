package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Composite actions of the tests' own, published as real git repositories in a {@code file://}
 * source, run by the executor: inputs, outputs, action path, if:, env and file commands, a nested
 * composite and a real JavaScript action inside.
 */
class CompositeActionTest {

  @TempDir Path data;
  @TempDir Path source;

  private ActionHarness harness;

  static final String GREET =
      """
      name: greet
      description: greets
      inputs:
        who: {description: who, required: true}
        punctuation: {description: mark, default: "!"}
        fail: {description: fail a step, default: "false"}
      outputs:
        greeting: {description: the greeting, value: "${{ steps.say.outputs.text }}"}
        inner: {description: shouted, value: "${{ steps.nested.outputs.shout }}"}
      runs:
        using: composite
        steps:
          - id: say
            shell: bash
            run: ${{ github.action_path }}/greet.sh "${{ inputs.who }}${{ inputs.punctuation }}"
          - if: inputs.fail == 'true'
            name: Fail on request
            shell: bash
            run: exit 3
          - name: Clean up after a failure
            if: failure()
            shell: bash
            run: echo "cleanup after failure"
          - shell: bash
            run: echo "GREETED=${{ steps.say.outputs.text }}" >> "$GITHUB_ENV"
          - shell: bash
            run: echo "exported is $GREETED"
          - id: nested
            uses: gantry-test/greet/shout@v1
            with: {text: "${{ inputs.who }}"}
          - uses: actions/hello-world-javascript-action@v1
            with: {who-to-greet: "${{ inputs.who }}"}
      """;

  static final String SHOUT =
      """
      name: shout
      description: upper case
      inputs:
        text: {description: text}
      outputs:
        shout: {description: shouted, value: "${{ steps.up.outputs.value }}"}
      runs:
        using: composite
        steps:
          - id: up
            shell: bash
            env: {TEXT: "${{ inputs.text }}"}
            run: echo "value=${TEXT^^}" >> "$GITHUB_OUTPUT"
          - shell: sh
            run: echo "shout path ends with $(basename "$GITHUB_ACTION_PATH")"
      """;

  @BeforeEach
  void publish() throws Exception {
    harness = new ActionHarness(data, source);
    harness.publish(
        "gantry-test/greet",
        "v1",
        Map.of(
            "action.yml", GREET,
            "greet.sh",
                "#!/bin/sh\n"
                    + "echo \"text=Hello, $1\" >> \"$GITHUB_OUTPUT\"\n"
                    + "echo \"said Hello, $1\"\n",
            "shout/action.yml", SHOUT));
  }

  @Test
  void aCompositeActionRunsItsStepsWithItsInputsAndMapsItsOutputs() throws Exception {
    RunResult result =
        harness.run(
            harness.parse(
                """
                on: push
                jobs:
                  build:
                    runs-on: x
                    steps:
                      - id: g
                        uses: gantry-test/greet@v1
                        with: {who: Ada}
                      - run: echo "greeting=${{ steps.g.outputs.greeting }} inner=${{ steps.g.outputs.inner }} env=$GREETED"
                """),
            null,
            Map.of());

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.lines)
        .contains(
            "said Hello, Ada!",
            "exported is Hello, Ada!",
            "shout path ends with shout",
            "Hello, Ada!",
            "greeting=Hello, Ada! inner=ADA env=Hello, Ada!")
        .doesNotContain("cleanup after failure");
    assertThat(result.jobs().get(0).steps().get(0).outputs())
        .containsEntry("greeting", "Hello, Ada!")
        .containsEntry("inner", "ADA");
  }

  @Test
  void aFailingCompositeStepFailsTheCallingStepAndRunsTheFailureSteps() throws Exception {
    RunResult result =
        harness.run(
            harness.parse(
                """
                on: push
                jobs:
                  build:
                    runs-on: x
                    steps:
                      - uses: gantry-test/greet@v1
                        with: {who: Bob, fail: "true"}
                      - run: echo "not reached"
                """),
            null,
            Map.of());

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(harness.lines).contains("cleanup after failure").doesNotContain("not reached");
    assertThat(result.jobs().get(0).steps().get(0).message())
        .isEqualTo(
            "composite step 2 'Fail on request' of gantry-test/greet@v1 failed: Process completed"
                + " with exit code 3.");
  }

  @Test
  void aCompositeStepWithoutShellIsAOneLineErrorWithItsPlace() throws Exception {
    harness.publish(
        "gantry-test/bad",
        "v1",
        Map.of(
            "action.yml",
            "name: bad\ndescription: d\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n"));
    RunResult result =
        harness.run(
            harness.parse(
                "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n"
                    + "      - uses: gantry-test/bad@v1\n"),
            null,
            Map.of());

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(result.jobs().get(0).steps().get(0).message())
        .isEqualTo(
            "ci.yml:6:9: gantry-test/bad@v1/action.yml:6:7: a run: step of a composite action"
                + " needs shell: (for example shell: bash)");
  }
}
