package io.gantry.runner.workflow;

import java.util.List;

/**
 * The filters of an event other than push, dispatch and schedule ({@code repository_dispatch},
 * {@code workflow_run}, …). A null list means the filter was not given; an empty one that it was
 * given empty. Patterns use GitHub's filter syntax, matched by {@link FilterPattern}.
 *
 * @param types the activity types ({@code types:}), e.g. {@code [completed]}
 * @param workflows for {@code workflow_run}, the names of the workflows it follows
 * @param branches branch filters ({@code workflow_run}: the triggering run's branch; {@code
 *     pull_request}: the base branch)
 * @param paths for {@code pull_request}, paths of which one changed file must match
 * @param pathsIgnore for {@code pull_request}, paths whose changes alone do not run the workflow
 */
public record EventTrigger(
    List<String> types,
    List<String> workflows,
    List<String> branches,
    List<String> branchesIgnore,
    List<String> paths,
    List<String> pathsIgnore) {

  /** Without path filters. */
  public EventTrigger(
      List<String> types,
      List<String> workflows,
      List<String> branches,
      List<String> branchesIgnore) {
    this(types, workflows, branches, branchesIgnore, null, null);
  }

  /** GitHub's activity types of {@code pull_request} and {@code pull_request_target}. */
  public static final List<String> PULL_REQUEST_TYPES =
      List.of(
          "assigned",
          "unassigned",
          "labeled",
          "unlabeled",
          "opened",
          "edited",
          "closed",
          "reopened",
          "synchronize",
          "converted_to_draft",
          "ready_for_review",
          "locked",
          "unlocked",
          "review_requested",
          "review_request_removed",
          "auto_merge_enabled",
          "auto_merge_disabled",
          "milestoned",
          "demilestoned",
          "enqueued",
          "dequeued");

  /** No filters: every activity of the event matches. */
  public static EventTrigger any() {
    return new EventTrigger(null, null, null, null, null, null);
  }

  /** Whether {@code type} is one of {@link #types}, or no types were given. */
  public boolean hasType(String type) {
    return types == null || types.contains(type);
  }

  /** Whether {@code branch} (a name without refs/heads/) passes the branch filters. */
  public boolean matchesBranch(String branch) {
    if (branches != null) {
      return FilterPattern.matchesAny(branches, branch);
    }
    return branchesIgnore == null || !FilterPattern.matchesAny(branchesIgnore, branch);
  }
}
