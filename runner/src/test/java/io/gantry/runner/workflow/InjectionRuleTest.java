package io.gantry.runner.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class InjectionRuleTest {

  @ParameterizedTest(name = "{0} is attacker-controlled")
  @ValueSource(
      strings = {
        "github.event.head_commit.message",
        "github.event.head_commit.author.name",
        "github.event.head_commit.author.email",
        "github.event.commits.*.message",
        "github.event.commits.0.author.email",
        "github.event.pusher.name",
        "github.event.issue.title",
        "github.event.issue.body",
        "github.event.pull_request.title",
        "github.event.pull_request.body",
        "github.event.comment.body",
        "github.event.review.body",
        "github.event.review_comment.body",
        "github.event.discussion.title",
        "github.event.pages.*.page_name",
        "github.event.*.title",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.head.label",
        "github.event.pull_request.head.repo.default_branch",
        "github.event.workflow_run.head_branch",
        "github.event.workflow_run.head_commit.message",
        "github.event.ref",
        "github.head_ref",
        "github.ref",
        "github.ref_name",
        "github.base_ref",
        "GitHub.Event.Head_Commit.Message",
        "github.event",
        "github",
        "github.event.head_commit",
        "github.event.commits",
        "github.event.pull_request",
        "github.event.*"
      })
  void attackerControlledFieldsAndObjectsHoldingThemAreUntrusted(String path) {
    assertThat(InjectionRule.isUntrusted(path)).isTrue();
  }

  @ParameterizedTest(name = "{0} is trusted")
  @ValueSource(
      strings = {
        "github.sha",
        "github.ref_type",
        "github.repository",
        "github.event.after",
        "github.event.before",
        "github.event.head_commit.id",
        "github.event.repository.name",
        "github.event.pull_request.number",
        "env.message",
        "steps.build.outputs.image",
        "inputs.title",
        "matrix.java"
      })
  void identifiersAndOtherContextsAreTrusted(String path) {
    assertThat(InjectionRule.isUntrusted(path)).isFalse();
  }

  @ParameterizedTest(name = "{0} is passed as ${1}")
  @CsvSource({
    "github.event.head_commit.message, MESSAGE",
    "github.head_ref, HEAD_REF",
    "github.event.commits.*, COMMITS",
    "github.event.pages.*.page_name, PAGE_NAME",
    "github, EVENT"
  })
  void theSuggestedVariableIsNamedAfterTheField(String path, String name) {
    assertThat(InjectionRule.envName(path)).isEqualTo(name);
  }
}
