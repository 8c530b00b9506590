package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Expressions inside the workflow: checked where they stand, reported at their exact place. */
class WorkflowExpressionsTest {

  @Test
  void aFaultInsideARunBlockIsReportedAtItsLineAndColumn() {
    String yaml =
        """
        on: push
        jobs:
          build:
            steps:
              - run: |
                  echo start
                    echo "${{ nosuchcontext.value }}"
                  echo end
        """;

    assertThat(Workflows.problems(yaml))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("ci.yml:7:23: ")
        .contains("nosuchcontext");
  }

  @Test
  void aFaultInAQuotedValueCountsTheQuote() {
    String yaml =
        """
        on: push
        jobs:
          build:
            steps:
              - run: make
                env:
                  A: "x ${{ nosuchcontext }}"
        """;

    assertThat(Workflows.problems(yaml))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("ci.yml:7:21: ")
        .contains("nosuchcontext");
  }

  @Test
  void contextsAreCheckedAgainstWhereTheExpressionStands() {
    String yaml =
        """
        on: push
        env:
          A: ${{ steps.x.outputs.y }}
        jobs:
          build:
            if: ${{ matrix.os == 'linux' }}
            steps:
              - run: echo ${{ steps.x.outputs.y }} ${{ matrix.os }}
                if: secrets.TOKEN != ''
        """;

    assertThat(Workflows.problems(yaml))
        .extracting(p -> p.substring(0, p.indexOf(": ")))
        .containsExactly("ci.yml:3:10", "ci.yml:6:13", "ci.yml:9:13");
  }

  @Test
  void anAttackerControlledFieldInARunScriptIsAnErrorWithTheFix() {
    String yaml =
        """
        on: push
        jobs:
          build:
            steps:
              - name: Announce
                env:
                  MESSAGE: ${{ github.event.head_commit.message }}
                run: echo "$MESSAGE"
              - uses: actions/checkout@v4
                with:
                  ref: ${{ github.head_ref }}
              - run: |
                  echo "building"
                  echo "${{ github.event.head_commit.message }}"
        """;

    assertThat(Workflows.problems(yaml))
        .containsExactly(
            "ci.yml:14:21: 'github.event.head_commit.message' is attacker-controlled and is"
                + " interpolated into a run: script; pass it through env: instead, e.g. env: {"
                + " MESSAGE: ${{ github.event.head_commit.message }} } and use \"$MESSAGE\"");
  }

  @ParameterizedTest(name = "run: echo {0} is flagged")
  @ValueSource(
      strings = {
        "${{ github.event.pull_request.title }}",
        "${{ github.head_ref }}",
        "${{ github.event.ref }}",
        "${{ github.ref }}",
        "${{ github.ref_name }}",
        "${{ github.head_ref }}",
        "${{ github.base_ref }}",
        "${{ toJSON(github.event) }}",
        "${{ github.event.commits[0].message }}",
        "${{ github['event']['issue']['body'] }}",
        "${{ github.event.commits.*.author.email }}"
      })
  void untrustedReadsInRunAreFlagged(String expression) {
    String yaml = "on: push\njobs:\n  a:\n    steps:\n      - run: echo " + expression + "\n";

    assertThat(Workflows.problems(yaml))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("ci.yml:5:")
        .contains("is attacker-controlled and is interpolated into a run: script");
  }

  @ParameterizedTest(name = "run: echo {0} is fine")
  @ValueSource(
      strings = {
        "${{ github.sha }}",
        "${{ github.ref_type }}",
        "${{ github.event.after }}",
        "${{ github.event.repository.name }}",
        "\"$TITLE\""
      })
  void trustedReadsInRunAreFine(String expression) throws Exception {
    String yaml = "on: push\njobs:\n  a:\n    steps:\n      - run: echo " + expression + "\n";

    assertThat(Workflows.parse(yaml).jobs().get("a").steps().get(0).run())
        .isEqualTo("echo " + expression);
  }
}
