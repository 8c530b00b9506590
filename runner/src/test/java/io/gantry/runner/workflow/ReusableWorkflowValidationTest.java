package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gantry.runner.action.builtin.BuiltInActions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation of jobs that call a reusable workflow: the caller's side read into {@link JobCall},
 * {@code on.workflow_call} into {@link WorkflowCall}, and the checks of a same-repository call
 * against the called file, each problem naming the caller job and the input or secret.
 */
class ReusableWorkflowValidationTest {

  @TempDir Path repo;

  private static final String CALLEE =
      """
      on:
        workflow_call:
          inputs:
            greeting: {type: string, required: true}
            loud: {type: boolean, default: false}
          secrets:
            token: {required: true}
          outputs:
            message: {value: "${{ jobs.make.outputs.text }}"}
      jobs:
        make:
          runs-on: x
          steps:
            - run: echo hi
      """;

  private Workflow parse(String caller) throws Exception {
    Path workflows = Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(workflows.resolve("build.yml"), CALLEE);
    Files.writeString(workflows.resolve("ci.yml"), caller);
    return new WorkflowParser(BuiltInActions.registry())
        .parse(workflows.resolve("ci.yml"), ".github/workflows/ci.yml");
  }

  @Test
  void aCallAndTheCalledWorkflowAreReadIntoTheModel() throws Exception {
    Workflow workflow =
        parse(
            """
            on: push
            jobs:
              call:
                uses: ./.github/workflows/build.yml
                with: {greeting: hi, loud: true}
                secrets: inherit
            """);

    JobCall call = workflow.jobs().get("call").call();
    assertThat(call.uses()).isEqualTo("./.github/workflows/build.yml");
    assertThat(call.with()).containsEntry("greeting", "hi").containsEntry("loud", "true");
    assertThat(call.inheritSecrets()).isTrue();
    Workflow callee =
        new WorkflowParser(BuiltInActions.registry())
            .parse(repo.resolve(".github/workflows/build.yml"), "build.yml");
    assertThat(callee.call().inputs().get("loud").type()).isEqualTo("boolean");
    assertThat(callee.call().secrets()).containsEntry("token", true);
    assertThat(callee.call().outputs()).containsEntry("message", "${{ jobs.make.outputs.text }}");
  }

  @Test
  void everyProblemOfACallNamesTheCallerJobAndTheInput() throws Exception {
    WorkflowException e =
        assertThrows(
            WorkflowException.class,
            () ->
                parse(
                    """
                    on: push
                    jobs:
                      call:
                        uses: ./.github/workflows/build.yml
                        with: {greting: hi, loud: maybe}
                      other:
                        uses: ./.github/workflows/missing.yml
                    """));

    assertThat(e.problems())
        .extracting(Problem::toString)
        .containsExactlyInAnyOrder(
            ".github/workflows/ci.yml:4:11: job 'call' passes input 'greting', which"
                + " ./.github/workflows/build.yml does not declare; did you mean 'greeting'?",
            ".github/workflows/ci.yml:4:11: job 'call' passes 'maybe' to input 'loud' of"
                + " ./.github/workflows/build.yml, which is a boolean",
            ".github/workflows/ci.yml:4:11: job 'call' does not pass input 'greeting', which"
                + " ./.github/workflows/build.yml requires; add it under with:",
            ".github/workflows/ci.yml:4:11: job 'call' does not pass secret 'token', which"
                + " ./.github/workflows/build.yml requires; add it under secrets: or use secrets:"
                + " inherit",
            ".github/workflows/ci.yml:7:11: job 'other' calls ./.github/workflows/missing.yml,"
                + " which is not a file of this repository");
  }

  @Test
  void aCallingJobTakesOnlyTheKeysGitHubAllows() throws Exception {
    WorkflowException e =
        assertThrows(
            WorkflowException.class,
            () ->
                parse(
                    """
                    on: push
                    jobs:
                      call:
                        uses: ./.github/workflows/build.yml
                        runs-on: x
                        secrets: inherit
                        with: {greeting: x}
                    """));

    assertThat(e.problems())
        .extracting(Problem::toString)
        .containsExactly(
            ".github/workflows/ci.yml:5:5: 'runs-on' cannot go with 'uses' in job 'call': a job"
                + " that calls a reusable workflow takes only name, uses, with, secrets, strategy,"
                + " needs, if, permissions, concurrency");
  }
}
