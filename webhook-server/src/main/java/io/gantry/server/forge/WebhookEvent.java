package io.gantry.server.forge;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a verified delivery means to Gantry. The server answers a {@link Ping} 200, an {@link
 * Ignored} event or a deleting {@link Push} 202 with the reason, and queues runs for any other
 * {@link Push} and for a {@link PullRequest}.
 */
public sealed interface WebhookEvent {

  /**
   * A push of one ref.
   *
   * @param repository {@code owner/name} as the forge knows it (GitLab: the full namespace path)
   * @param ref the full ref, {@code refs/heads/main} or {@code refs/tags/v1}
   * @param before the ref's previous commit; all zeros when the ref was created
   * @param after the pushed commit; all zeros when the ref was deleted
   * @param deleted the ref was deleted: there is no commit to run
   * @param created the ref did not exist before: {@code before} has no diff base
   * @param pusher who pushed, as the forge names them; may be null
   * @param cloneUrl the forge's HTTPS clone URL; null for Gantry's git hook, whose server uses the
   *     configured clone-url (the server should prefer its configuration over the payload anyway)
   * @param payload the event as plain data for {@code github.event}: GitHub and Gitea send it
   *     unchanged; GitLab and git are reshaped to GitHub's push fields
   */
  record Push(
      String repository,
      String ref,
      String before,
      String after,
      boolean deleted,
      boolean created,
      String pusher,
      String cloneUrl,
      Map<String, Object> payload)
      implements WebhookEvent {

    public Push {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(ref, "ref");
      Objects.requireNonNull(before, "before");
      Objects.requireNonNull(after, "after");
      // Map.copyOf refuses the nulls JSON payloads are full of.
      payload = Collections.unmodifiableMap(new LinkedHashMap<>(payload));
    }

    /** A short name for the ref: {@code main} for {@code refs/heads/main}. */
    public String refName() {
      if (ref.startsWith("refs/heads/")) {
        return ref.substring("refs/heads/".length());
      }
      return ref.startsWith("refs/tags/") ? ref.substring("refs/tags/".length()) : ref;
    }

    // The payload is large; records would print all of it.
    @Override
    public String toString() {
      return "Push["
          + repository
          + " "
          + ref
          + " "
          + before
          + ".."
          + after
          + (deleted ? " deleted" : "")
          + (created ? " created" : "")
          + "]";
    }
  }

  /**
   * A pull request (GitLab: merge request) activity, in GitHub's words.
   *
   * @param repository the base repository, {@code owner/name} as the forge knows it
   * @param action GitHub's activity type: {@code opened}, {@code synchronize}, {@code reopened},
   *     {@code closed}, {@code labeled}, … (each forge's own words are translated)
   * @param number the pull request's number (GitLab: the merge request's iid)
   * @param baseBranch the branch it merges into, without {@code refs/heads/}
   * @param headBranch the branch it merges from, without {@code refs/heads/}
   * @param headSha the head's commit, where its commit statuses go
   * @param headRepository the head's repository ({@code owner/name}); null when unknown or deleted
   * @param headCloneUrl where the head's commit can be fetched; null when unknown
   * @param merged for {@code closed}: whether it was merged
   * @param mergeCommitSha for a merged one, the commit the forge merged it with; may be null
   * @param sender who acted; may be null
   * @param payload {@code github.event}: GitHub and Gitea as sent, GitLab reshaped to GitHub's
   */
  record PullRequest(
      String repository,
      String action,
      long number,
      String baseBranch,
      String headBranch,
      String headSha,
      String headRepository,
      String headCloneUrl,
      boolean merged,
      String mergeCommitSha,
      String sender,
      Map<String, Object> payload)
      implements WebhookEvent {

    public PullRequest {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(baseBranch, "baseBranch");
      Objects.requireNonNull(headBranch, "headBranch");
      Objects.requireNonNull(headSha, "headSha");
      payload = Collections.unmodifiableMap(new LinkedHashMap<>(payload));
    }

    /** Whether the head is in another repository than the base (or in one unknown). */
    public boolean fromFork() {
      return headRepository == null || !headRepository.equalsIgnoreCase(repository);
    }

    @Override
    public String toString() {
      return "PullRequest["
          + repository
          + "#"
          + number
          + " "
          + action
          + " "
          + headBranch
          + "@"
          + headSha
          + " -> "
          + baseBranch
          + "]";
    }
  }

  /**
   * The forge checking the hook works. {@code repository} is null for a hook on an organization.
   */
  record Ping(String repository) implements WebhookEvent {}

  /** A well-formed event Gantry does not act on; {@code reason} goes back to the forge. */
  record Ignored(String reason) implements WebhookEvent {

    public Ignored {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
