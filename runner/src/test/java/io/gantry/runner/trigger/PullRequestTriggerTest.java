package io.gantry.runner.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.EventTrigger;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code on.pull_request}: read from YAML, then matched as GitHub matches it. */
class PullRequestTriggerTest {

  private static Workflow parse(String yaml) throws WorkflowException {
    ActionCatalog none =
        new ActionCatalog() {
          @Override
          public String problemWith(String uses) {
            return "no actions in this test";
          }

          @Override
          public Set<String> inputsOf(String uses) {
            return null;
          }

          @Override
          public Set<String> requiredInputsOf(String uses) {
            return null;
          }
        };
    return new WorkflowParser(none).parse(yaml, Path.of("ci.yml"), "ci.yml");
  }

  @Test
  void withoutTypesAPullRequestRunsOnOpenedSynchronizeAndReopenedOnly() throws Exception {
    Workflow w = parse("on: pull_request\njobs:\n  a:\n    steps:\n      - run: x\n");
    EventTrigger t = w.on().on("pull_request");

    assertThat(w.warnings()).isEmpty();
    for (String action : List.of("opened", "synchronize", "reopened")) {
      assertThat(TriggerMatcher.pullRequestMismatch("pull_request", t, action, "main", null))
          .as(action)
          .isEmpty();
    }
    assertThat(TriggerMatcher.pullRequestMismatch("pull_request", t, "closed", "main", null))
        .contains(
            "on.pull_request runs on opened, synchronize, reopened (the default types), not on"
                + " 'closed'");
  }

  @Test
  void typesBranchesOnTheBaseAndPathsOnTheChangedFilesAllHaveToMatch() throws Exception {
    Workflow w =
        parse(
            """
            on:
              pull_request:
                types: [closed, labeled]
                branches: [main, 'releases/**']
                paths: ['src/**']
            jobs:
              a:
                steps:
                  - run: x
            """);
    EventTrigger t = w.on().on("pull_request");

    assertThat(TriggerMatcher.pullRequestMismatch("pull_request", t, "closed", "main", null))
        .isEmpty();
    assertThat(
            TriggerMatcher.pullRequestMismatch(
                "pull_request", t, "labeled", "releases/2.x", List.of("src/A.java")))
        .isEmpty();
    assertThat(TriggerMatcher.pullRequestMismatch("pull_request", t, "opened", "main", null))
        .contains("on.pull_request runs on closed, labeled, not on 'opened'");
    assertThat(TriggerMatcher.pullRequestMismatch("pull_request", t, "closed", "dev", null))
        .contains("on.pull_request branch filters do not match the base dev");
    assertThat(
            TriggerMatcher.pullRequestMismatch(
                "pull_request", t, "closed", "main", List.of("README.md")))
        .contains("on.pull_request path filters match none of the changed files");
  }

  @Test
  void pathsIgnoreSkipsAPullRequestThatChangesOnlyIgnoredFiles() throws Exception {
    Workflow w =
        parse(
            "on:\n  pull_request_target:\n    paths-ignore: ['docs/**']\n"
                + "jobs:\n  a:\n    steps:\n      - run: x\n");
    EventTrigger t = w.on().on("pull_request_target");

    assertThat(
            TriggerMatcher.pullRequestMismatch(
                "pull_request_target", t, "opened", "main", List.of("docs/a.md")))
        .isPresent();
    assertThat(
            TriggerMatcher.pullRequestMismatch(
                "pull_request_target", t, "opened", "main", List.of("docs/a.md", "src/b.c")))
        .isEmpty();
  }

  @Test
  void anUnknownActivityTypeIsAnErrorWithItsPositionAndTheNearestType() {
    assertThatThrownBy(
            () ->
                parse(
                    "on:\n  pull_request:\n    types: [opened, synchronized]\n"
                        + "jobs:\n  a:\n    steps:\n      - run: x\n"))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining(
            "ci.yml:3:21: unknown activity type 'synchronized' of 'pull_request'; did you mean"
                + " 'synchronize'?");
  }

  @Test
  void pathsAndPathsIgnoreTogetherAreAnError() {
    assertThatThrownBy(
            () ->
                parse(
                    "on:\n  pull_request:\n    paths: [a]\n    paths-ignore: [b]\n"
                        + "jobs:\n  a:\n    steps:\n      - run: x\n"))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("'paths' and 'paths-ignore' cannot both be used");
  }

  @Test
  void theGithubContextOfAPullRequestNamesItsHeadAndBaseBranches() {
    Map<String, Object> payload =
        PullRequestPayload.of("acme/web", "opened", 7)
            .head("feature", "a".repeat(40), "fork/web", "file:///fork.git")
            .base("main", "b".repeat(40), "acme/web", "file:///web.git")
            .toMap();
    Map<String, Object> github =
        TriggerContext.github(
            "pull_request", payload, "refs/pull/7/merge", "c".repeat(40), "acme/web", "ci");

    assertThat(github.get("head_ref")).isEqualTo("feature");
    assertThat(github.get("base_ref")).isEqualTo("main");
    assertThat(github.get("ref_name")).isEqualTo("7/merge");
    assertThat(PullRequestPayload.fromFork(payload)).isTrue();
    assertThat(PullRequestPayload.headSha(payload)).isEqualTo("a".repeat(40));
    assertThat(TriggerContext.github("push", payload, "refs/heads/x", "c", "acme/web", "ci"))
        .containsEntry("head_ref", "")
        .containsEntry("base_ref", "");
  }

  @Test
  void aPullRequestFromABranchOfTheSameRepositoryIsNoFork() {
    Map<String, Object> payload =
        PullRequestPayload.of("acme/web", "opened", 7)
            .head("feature", "a".repeat(40), "acme/web", "file:///web.git")
            .base("main", "b".repeat(40), "acme/web", "file:///web.git")
            .toMap();
    Map<String, Object> deletedHead =
        PullRequestPayload.of("acme/web", "opened", 7)
            .head("feature", "a".repeat(40), null, null)
            .base("main", "b".repeat(40), "acme/web", "file:///web.git")
            .toMap();

    assertThat(PullRequestPayload.fromFork(payload)).isFalse();
    assertThat(PullRequestPayload.fromFork(deletedHead)).isTrue();
  }
}
