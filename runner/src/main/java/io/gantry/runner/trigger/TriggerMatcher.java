package io.gantry.runner.trigger;

import io.gantry.runner.workflow.EventTrigger;
import io.gantry.runner.workflow.FilterPattern;
import io.gantry.runner.workflow.PushTrigger;
import io.gantry.runner.workflow.Workflow;
import java.util.List;
import java.util.Optional;

/**
 * Whether a push or a pull request runs a workflow, by its {@code on.push} or {@code
 * on.pull_request} filters, as GitHub decides it.
 */
public final class TriggerMatcher {

  /** The activity types a {@code pull_request} without {@code types:} runs on, as on GitHub. */
  public static final List<String> DEFAULT_PULL_REQUEST_TYPES =
      List.of("opened", "synchronize", "reopened");

  private static final String HEADS = "refs/heads/";
  private static final String TAGS = "refs/tags/";

  private TriggerMatcher() {}

  /**
   * Whether a push of {@code ref} matches the trigger.
   *
   * <p>A branch push ({@code refs/heads/X}) is checked against {@code branches} / {@code
   * branches-ignore} and a tag push ({@code refs/tags/X}) against {@code tags} / {@code
   * tags-ignore}. When only branch filters are given, tag pushes do not match, and vice versa; with
   * neither, every branch and tag matches. Path filters apply to branch pushes only, and only when
   * {@code changedPaths} is known: {@code paths} needs one changed path to match, {@code
   * paths-ignore} needs one changed path not ignored.
   *
   * @param trigger the {@code on.push} trigger, or null (the workflow does not run on push)
   * @param changedPaths the paths the push changed, or null when unknown (path filters skipped)
   */
  public static boolean matchesPush(PushTrigger trigger, String ref, List<String> changedPaths) {
    if (trigger == null) {
      return false;
    }
    boolean branchFilters = trigger.branches() != null || trigger.branchesIgnore() != null;
    boolean tagFilters = trigger.tags() != null || trigger.tagsIgnore() != null;
    if (ref.startsWith(TAGS)) {
      if (!tagFilters) {
        return !branchFilters;
      }
      return selected(trigger.tags(), trigger.tagsIgnore(), ref.substring(TAGS.length()));
    }
    if (ref.startsWith(HEADS)) {
      boolean refMatches =
          branchFilters
              ? selected(
                  trigger.branches(), trigger.branchesIgnore(), ref.substring(HEADS.length()))
              : !tagFilters;
      return refMatches && pathsMatch(trigger, changedPaths);
    }
    return !branchFilters && !tagFilters && pathsMatch(trigger, changedPaths);
  }

  /**
   * Whether {@code workflow} runs on {@code event} ({@code push} or {@code workflow_dispatch}) of
   * {@code ref}: a push by the {@code on.push} filters ({@link #matchesPush}), a dispatch when the
   * workflow declares {@code workflow_dispatch}.
   *
   * @param changedPaths the paths a push changed, or null when unknown (path filters skipped)
   */
  public static boolean runsOn(
      Workflow workflow, String event, String ref, List<String> changedPaths) {
    return switch (event) {
      case "push" -> matchesPush(workflow.on().push(), ref, changedPaths);
      case "workflow_dispatch" -> workflow.on().dispatch() != null;
      case "pull_request", "pull_request_target" -> {
        EventTrigger trigger = workflow.on().on(event);
        String base = ref.replaceFirst("^refs/heads/", "");
        yield trigger != null
            && pullRequestMismatch(event, trigger, "opened", base, changedPaths).isEmpty();
      }
      default -> false;
    };
  }

  /**
   * Why a pull request does not run a workflow's {@code on.pull_request} (or {@code
   * pull_request_target}), or empty when it does: its activity type must be listed in {@code types}
   * (by default {@link #DEFAULT_PULL_REQUEST_TYPES}), its base branch pass {@code branches} /
   * {@code branches-ignore}, and, when {@code changedPaths} is known, one changed file pass {@code
   * paths} / {@code paths-ignore}.
   *
   * @param action the activity type in GitHub's words ({@code opened}, {@code synchronize}, …)
   * @param baseBranch the branch the pull request merges into, without {@code refs/heads/}
   * @param changedPaths the files the pull request changes, or null when unknown
   */
  public static Optional<String> pullRequestMismatch(
      String event,
      EventTrigger trigger,
      String action,
      String baseBranch,
      List<String> changedPaths) {
    List<String> types = trigger.types() == null ? DEFAULT_PULL_REQUEST_TYPES : trigger.types();
    if (!types.contains(action)) {
      return Optional.of(
          "on."
              + event
              + " runs on "
              + String.join(", ", types)
              + (trigger.types() == null ? " (the default types)" : "")
              + ", not on '"
              + action
              + "'");
    }
    if (!trigger.matchesBranch(baseBranch)) {
      return Optional.of("on." + event + " branch filters do not match the base " + baseBranch);
    }
    if (changedPaths != null) {
      boolean any =
          trigger.paths() != null
              ? changedPaths.stream().anyMatch(p -> FilterPattern.matchesAny(trigger.paths(), p))
              : trigger.pathsIgnore() == null
                  || changedPaths.stream()
                      .anyMatch(p -> !FilterPattern.matchesAny(trigger.pathsIgnore(), p));
      if (!any) {
        return Optional.of("on." + event + " path filters match none of the changed files");
      }
    }
    return Optional.empty();
  }

  private static boolean selected(List<String> include, List<String> ignore, String name) {
    if (include != null) {
      return FilterPattern.matchesAny(include, name);
    }
    return !FilterPattern.matchesAny(ignore, name);
  }

  private static boolean pathsMatch(PushTrigger trigger, List<String> changedPaths) {
    if (changedPaths == null) {
      return true;
    }
    if (trigger.paths() != null) {
      return changedPaths.stream().anyMatch(p -> FilterPattern.matchesAny(trigger.paths(), p));
    }
    if (trigger.pathsIgnore() != null) {
      return changedPaths.stream()
          .anyMatch(p -> !FilterPattern.matchesAny(trigger.pathsIgnore(), p));
    }
    return true;
  }
}
