package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local actions ({@code uses: ./PATH}) from a real git repository checked out by {@code
 * actions/checkout}: a JavaScript action, a composite one ({@code action.yaml}) using it, and the
 * one-line errors for a missing folder, a recursion and nesting past the limit.
 */
class LocalActionTest {

  @TempDir Path data;
  @TempDir Path source;
  @TempDir Path repo;

  private ActionHarness harness;

  @BeforeEach
  void repository() throws Exception {
    harness = new ActionHarness(data, source);
    Map<String, String> files = new LinkedHashMap<>();
    files.put(
        ".github/actions/js/action.yml",
        """
        name: js
        description: a JavaScript action of the repository
        inputs:
          name: {description: a name, required: true}
        outputs:
          reversed: {description: the name reversed}
        runs:
          using: node20
          main: index.js
        """);
    files.put(
        ".github/actions/js/index.js",
        """
        const fs = require('fs');
        const name = process.env['INPUT_NAME'];
        console.log('js got ' + name);
        fs.appendFileSync(process.env['GITHUB_OUTPUT'],
          'reversed=' + name.split('').reverse().join('') + '\\n');
        """);
    files.put(
        ".github/actions/build/action.yaml",
        """
        name: build
        description: a composite action of the repository
        inputs:
          target: {description: what, default: world}
        outputs:
          result: {description: r, value: "${{ steps.js.outputs.reversed }}-${{ steps.sh.outputs.n }}"}
        runs:
          using: composite
          steps:
            - id: js
              uses: ./.github/actions/js
              with: {name: "${{ inputs.target }}"}
            - id: sh
              shell: bash
              working-directory: src
              run: echo "n=$(cat count.txt)" >> "$GITHUB_OUTPUT"
        """);
    files.put("src/count.txt", "7\n");
    files.put(
        ".github/actions/loop/action.yml",
        """
        name: loop
        description: calls itself
        runs:
          using: composite
          steps:
            - uses: ./.github/actions/loop
        """);
    for (int i = 0; i < 10; i++) {
      files.put(
          ".github/actions/deep" + i + "/action.yml",
          "name: deep"
              + i
              + "\ndescription: d\nruns:\n  using: composite\n  steps:\n"
              + (i < 9
                  ? "    - uses: ./.github/actions/deep" + (i + 1) + "\n"
                  : "    - shell: bash\n      run: echo bottom\n"));
    }
    ActionHarness.write(repo, files);
    ActionRepos.git(repo, "init", "-q", "-b", "main");
    ActionRepos.git(repo, "add", "-A");
    ActionRepos.git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x");
  }

  private RunResult run(String steps) throws Exception {
    return harness.run(
        harness.parse("on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n" + steps),
        repo,
        Map.of());
  }

  @Test
  void aLocalCompositeActionUsesALocalJavaScriptActionOfTheCheckout() throws Exception {
    RunResult result =
        run(
            """
                  - uses: actions/checkout@v4
                  - id: build
                    uses: ./.github/actions/build/
                    with: {target: gantry}
                  - run: echo "result ${{ steps.build.outputs.result }}"
            """);

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.lines).contains("js got gantry", "result yrtnag-7");
  }

  @Test
  void aLocalActionBeforeTheCheckoutSaysToCheckOutFirst() throws Exception {
    RunResult result = run("      - uses: ./.github/actions/js\n        with: {name: x}\n");

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(result.jobs().get(0).steps().get(0).message())
        .isEqualTo(
            "ci.yml:6:9: ./.github/actions/js is not a folder of the workspace; check the"
                + " repository out first (uses: actions/checkout) or fix the path");
  }

  @Test
  void aCompositeActionCallingItselfFailsWithTheChain() throws Exception {
    RunResult result =
        run("      - uses: actions/checkout@v4\n      - uses: ./.github/actions/loop\n");

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(result.jobs().get(0).steps().get(1).message())
        .isEqualTo(
            "composite step 1 'Run ./.github/actions/loop' of ./.github/actions/loop failed:"
                + " ./.github/actions/loop/action.yml:6:7: composite action ./.github/actions/loop"
                + " calls itself (./.github/actions/loop → ./.github/actions/loop); remove the step"
                + " that uses it again");
  }

  @Test
  void compositeActionsNestedPastNineLevelsFail() throws Exception {
    RunResult result =
        run("      - uses: actions/checkout@v4\n      - uses: ./.github/actions/deep0\n");

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(harness.lines).doesNotContain("bottom");
    assertThat(result.jobs().get(0).steps().get(1).message())
        .contains("composite action ./.github/actions/deep9 is nested 10 deep (the limit is 9");
  }
}
