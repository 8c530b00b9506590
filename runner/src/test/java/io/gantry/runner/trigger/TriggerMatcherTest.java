package io.gantry.runner.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.workflow.PushTrigger;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerMatcherTest {

  private static PushTrigger branches(String... patterns) {
    return new PushTrigger(List.of(patterns), null, null, null, null, null);
  }

  @Test
  void withoutFiltersEveryBranchAndTagPushMatches() {
    assertThat(TriggerMatcher.matchesPush(PushTrigger.any(), "refs/heads/main", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(PushTrigger.any(), "refs/tags/v1.0", null)).isTrue();
  }

  @Test
  void aWorkflowWithoutAPushTriggerMatchesNoPush() {
    assertThat(TriggerMatcher.matchesPush(null, "refs/heads/main", null)).isFalse();
  }

  @Test
  void branchFiltersSelectBranchesAndLeaveTagsOut() {
    PushTrigger t = branches("main", "releases/**");

    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/releases/1.x", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/feature", null)).isFalse();
    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/main", null)).isFalse();
  }

  @Test
  void branchesIgnoreSelectsEveryOtherBranch() {
    PushTrigger t = new PushTrigger(null, List.of("wip/**"), null, null, null, null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/wip/x", null)).isFalse();
    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/v1", null)).isFalse();
  }

  @Test
  void tagFiltersSelectTagsAndLeaveBranchesOut() {
    PushTrigger t = new PushTrigger(null, null, List.of("v*"), null, null, null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/v1.2.3", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/nightly", null)).isFalse();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/v1", null)).isFalse();
  }

  @Test
  void tagsIgnoreSelectsEveryOtherTag() {
    PushTrigger t = new PushTrigger(null, null, null, List.of("*-rc*"), null, null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/v1", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/v1-rc1", null)).isFalse();
  }

  @Test
  void branchAndTagFiltersTogetherSelectEach() {
    PushTrigger t = new PushTrigger(List.of("main"), null, List.of("v*"), null, null, null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/v2", null)).isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/dev", null)).isFalse();
  }

  @Test
  void pathsNeedOneChangedPathToMatch() {
    PushTrigger t = new PushTrigger(List.of("main"), null, null, null, List.of("src/**"), null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", List.of("README.md", "src/a.java")))
        .isTrue();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", List.of("README.md"))).isFalse();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/dev", List.of("src/a.java"))).isFalse();
  }

  @Test
  void pathsIgnoreSkipsPushesThatOnlyChangeIgnoredPaths() {
    PushTrigger t = new PushTrigger(null, null, null, null, null, List.of("docs/**", "**.md"));

    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", List.of("docs/a.txt", "x.md")))
        .isFalse();
    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", List.of("docs/a.txt", "app.js")))
        .isTrue();
  }

  @Test
  void unknownChangedPathsSkipThePathFilters() {
    PushTrigger t = new PushTrigger(null, null, null, null, List.of("src/**"), null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/heads/main", null)).isTrue();
  }

  @Test
  void pathFiltersAreNotEvaluatedForTagPushes() {
    PushTrigger t = new PushTrigger(null, null, List.of("v*"), null, List.of("src/**"), null);

    assertThat(TriggerMatcher.matchesPush(t, "refs/tags/v1", List.of("README.md"))).isTrue();
  }
}
