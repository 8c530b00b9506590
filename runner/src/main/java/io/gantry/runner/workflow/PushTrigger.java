package io.gantry.runner.workflow;

import java.util.List;

/**
 * {@code on.push} filters. A null list means the filter was not given; an empty list means it was
 * given empty. Patterns use GitHub's filter syntax, matched by {@link FilterPattern}.
 */
public record PushTrigger(
    List<String> branches,
    List<String> branchesIgnore,
    List<String> tags,
    List<String> tagsIgnore,
    List<String> paths,
    List<String> pathsIgnore) {

  /** A push trigger without filters: every push matches. */
  public static PushTrigger any() {
    return new PushTrigger(null, null, null, null, null, null);
  }
}
