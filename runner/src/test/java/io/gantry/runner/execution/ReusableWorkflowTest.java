package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reusable workflows ({@code jobs.<id>.uses}) from the caller's own git repository and from a
 * {@code file://} source: typed inputs with defaults, secrets by name and inherited (masked),
 * outputs read through {@code needs}, a matrix on the caller, nesting inside the source's
 * repository, and the one-line errors for a missing input and a cycle.
 */
class ReusableWorkflowTest {

  @TempDir Path data;
  @TempDir Path source;
  @TempDir Path repo;

  private ActionHarness harness;

  static final String BUILD =
      """
      on:
        workflow_call:
          inputs:
            greeting: {type: string, required: true}
            loud: {type: boolean, default: false}
            count: {type: number, default: 2}
          secrets:
            token: {required: true}
          outputs:
            message: {description: what make said, value: "${{ jobs.make.outputs.text }}"}
      jobs:
        make:
          runs-on: x
          outputs:
            text: ${{ steps.t.outputs.text }}
          steps:
            - id: t
              run: |
                echo "text=${{ inputs.greeting }} x${{ inputs.count }} loud=${{ inputs.loud }}" >> "$GITHUB_OUTPUT"
                echo "token is ${{ secrets.token }}"
        after:
          needs: make
          runs-on: x
          steps:
            - run: echo "after got ${{ needs.make.outputs.text }}"
      """;

  @BeforeEach
  void repository() throws Exception {
    harness = new ActionHarness(data, source);
    Map<String, String> files = new LinkedHashMap<>();
    files.put(".github/workflows/build.yml", BUILD);
    files.put(
        ".github/workflows/loop.yml",
        """
        on: workflow_call
        jobs:
          again:
            uses: ./.github/workflows/loop.yml
        """);
    ActionHarness.write(repo, files);
    ActionRepos.git(repo, "init", "-q", "-b", "main");
    ActionRepos.git(repo, "add", "-A");
    ActionRepos.git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x");
  }

  @Test
  void aLocalReusableWorkflowGetsInputsAndSecretsAndGivesOutputsPerMatrixInstance()
      throws Exception {
    RunResult result =
        harness.run(
            harness.parse(
                """
                on: push
                jobs:
                  prepare:
                    runs-on: x
                    outputs: {word: "${{ steps.w.outputs.word }}"}
                    steps:
                      - id: w
                        run: echo "word=hello" >> "$GITHUB_OUTPUT"
                  call:
                    needs: prepare
                    strategy:
                      matrix:
                        n: [1, 3]
                    uses: ./.github/workflows/build.yml
                    with:
                      greeting: ${{ needs.prepare.outputs.word }}-${{ matrix.n }}
                      count: ${{ matrix.n }}
                    secrets:
                      token: ${{ secrets.DEPLOY_TOKEN }}
                  report:
                    needs: call
                    runs-on: x
                    steps:
                      - run: echo "reported ${{ needs.call.outputs.message }}"
                """),
            repo,
            Map.of("DEPLOY_TOKEN", "s3cr3t-value"));

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    Map<String, JobResult> jobs =
        result.jobs().stream().collect(Collectors.toMap(JobResult::key, j -> j));
    assertThat(jobs.get("call-1").outputs()).containsEntry("message", "hello-1 x1 loud=false");
    assertThat(jobs.get("call-2").outputs()).containsEntry("message", "hello-3 x3 loud=false");
    assertThat(jobs.get("call-1.make").name()).isEqualTo("call (1) / make");
    assertThat(jobs.get("call-2.after").name()).isEqualTo("call (3) / after");
    assertThat(jobs.get("call-2.after").conclusion()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.lines)
        .contains("token is ***", "after got hello-1 x1 loud=false")
        .noneMatch(l -> l.contains("s3cr3t-value"))
        .anyMatch(l -> l.matches("reported hello-[13] x[13] loud=false"));
  }

  @Test
  void aReusableWorkflowFromASourceCallsOneOfItsOwnRepositoryAndInheritsSecrets() throws Exception {
    harness.publish(
        "gantry-test/workflows",
        "v1",
        Map.of(
            ".github/workflows/shared.yml",
            """
            on:
              workflow_call:
                inputs:
                  name: {type: string, default: world}
                outputs:
                  said: {value: "${{ jobs.inner.outputs.message }}"}
            jobs:
              inner:
                uses: ./.github/workflows/build.yml
                with: {greeting: "hi ${{ inputs.name }}", loud: true}
                secrets: inherit
            """,
            ".github/workflows/build.yml",
            BUILD));

    RunResult result =
        harness.run(
            harness.parse(
                """
                on: push
                jobs:
                  remote:
                    uses: gantry-test/workflows/.github/workflows/shared.yml@v1
                    with: {name: Ada}
                    secrets: inherit
                  show:
                    needs: remote
                    runs-on: x
                    steps:
                      - run: echo "remote said ${{ needs.remote.outputs.said }}"
                """),
            repo,
            Map.of("token", "inherited-secret"));

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.lines).contains("remote said hi Ada x2 loud=true", "token is ***");
    assertThat(result.jobs())
        .extracting(JobResult::name)
        .contains("remote / inner / make", "remote / inner / after");
  }

  @Test
  void aMissingRequiredInputFailsTheCallerJobNamingIt() throws Exception {
    RunResult result =
        harness.run(
            harness.parse(
                """
                on: push
                jobs:
                  call:
                    uses: ./.github/workflows/build.yml
                    secrets: {token: x}
                """),
            repo,
            Map.of());

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(result.jobs().get(0).message())
        .isEqualTo(
            "ci.yml:4:11: job 'call': input 'greeting' is required by ./.github/workflows/build.yml;"
                + " add it under with:");
  }

  @Test
  void aReusableWorkflowCallingItselfFailsWithTheChain() throws Exception {
    RunResult result =
        harness.run(
            harness.parse("on: push\njobs:\n  call:\n    uses: ./.github/workflows/loop.yml\n"),
            repo,
            Map.of());

    assertThat(result.conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(result.jobs())
        .extracting(JobResult::message)
        .contains(
            "./.github/workflows/loop.yml:4:11: reusable workflow ./.github/workflows/loop.yml"
                + " calls itself (./.github/workflows/ci.yml → ./.github/workflows/loop.yml →"
                + " ./.github/workflows/loop.yml); remove the job that calls it again");
  }
}
