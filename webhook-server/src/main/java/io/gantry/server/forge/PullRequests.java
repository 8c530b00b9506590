package io.gantry.server.forge;

import io.gantry.runner.trigger.PullRequestPayload;
import io.gantry.runner.workflow.EventTrigger;
import java.util.Map;

/**
 * Pull request deliveries of each forge, read into a {@link WebhookEvent.PullRequest} with GitHub's
 * activity types: GitHub's {@code pull_request} as sent; Gitea's (and Forgejo's), which copies
 * GitHub's payload but says {@code synchronized} and {@code label_updated}; GitLab's {@code Merge
 * Request Hook}, reshaped to GitHub's payload. An action with no GitHub equivalent is {@link
 * WebhookEvent.Ignored}, acknowledged with the reason.
 */
final class PullRequests {

  private PullRequests() {}

  /** GitHub's payload, or Gitea's after translating its action names. */
  static WebhookEvent githubStyle(Map<String, Object> payload, boolean gitea)
      throws MalformedWebhookException {
    String sent = Json.requireString(payload, "action");
    String action = gitea ? giteaAction(sent) : sent;
    if (!EventTrigger.PULL_REQUEST_TYPES.contains(action)) {
      return notHandled(sent);
    }
    String headRepository = Json.optionalString(payload, "pull_request.head.repo.full_name");
    return new WebhookEvent.PullRequest(
        Json.requireString(payload, "repository.full_name"),
        action,
        number(payload, "pull_request.number"),
        branch("pull_request.base.ref", Json.requireString(payload, "pull_request.base.ref")),
        branch("pull_request.head.ref", Json.requireString(payload, "pull_request.head.ref")),
        GitNames.objectId(
            "pull_request.head.sha", Json.requireString(payload, "pull_request.head.sha")),
        headRepository,
        headRepository == null
            ? null
            : Json.optionalString(payload, "pull_request.head.repo.clone_url"),
        Json.flag(payload, "pull_request.merged"),
        optionalId(payload, "pull_request.merge_commit_sha"),
        Json.optionalString(payload, "sender.login"),
        payload);
  }

  /** Gitea's words for GitHub's activity types. */
  private static String giteaAction(String action) {
    return switch (action) {
      case "synchronized" -> "synchronize";
      case "label_updated" -> "labeled";
      case "label_cleared" -> "unlabeled";
      default -> action;
    };
  }

  /**
   * GitLab's merge request hook: {@code object_attributes.action} {@code open}, {@code reopen},
   * {@code update} (with {@code oldrev} when commits were pushed: {@code synchronize}, else {@code
   * edited}), {@code close}, {@code merge} (closed, merged); approvals are not handled.
   */
  static WebhookEvent gitlab(Map<String, Object> gitlab) throws MalformedWebhookException {
    String sent = Json.optionalString(gitlab, "object_attributes.action");
    String oldrev = optionalId(gitlab, "object_attributes.oldrev");
    String action =
        sent == null
            ? null
            : switch (sent) {
              case "open" -> "opened";
              case "reopen" -> "reopened";
              case "update" -> oldrev != null ? "synchronize" : "edited";
              case "close", "merge" -> "closed";
              default -> null;
            };
    if (action == null) {
      return notHandled(sent == null ? "(none)" : sent);
    }
    String repository = Json.requireString(gitlab, "project.path_with_namespace");
    long number = number(gitlab, "object_attributes.iid");
    String base =
        branch(
            "object_attributes.target_branch",
            Json.requireString(gitlab, "object_attributes.target_branch"));
    String head =
        branch(
            "object_attributes.source_branch",
            Json.requireString(gitlab, "object_attributes.source_branch"));
    String headSha =
        GitNames.objectId(
            "object_attributes.last_commit.id",
            Json.requireString(gitlab, "object_attributes.last_commit.id"));
    // A deleted source project is sent as null.
    String headRepository =
        Json.optionalString(gitlab, "object_attributes.source.path_with_namespace");
    String headCloneUrl =
        headRepository == null
            ? null
            : Json.optionalString(gitlab, "object_attributes.source.git_http_url");
    boolean merged = "merge".equals(sent);
    String mergeCommit = optionalId(gitlab, "object_attributes.merge_commit_sha");
    String sender = Json.optionalString(gitlab, "user.username");
    String state = Json.optionalString(gitlab, "object_attributes.state");
    String cloneUrl = Json.optionalString(gitlab, "project.git_http_url");
    PullRequestPayload shaped =
        PullRequestPayload.of(repository, action, number)
            .field("title", Json.optionalString(gitlab, "object_attributes.title"))
            .field("body", Json.optionalString(gitlab, "object_attributes.description"))
            .field("state", "opened".equals(state) || state == null ? "open" : "closed")
            .field("html_url", Json.optionalString(gitlab, "object_attributes.url"))
            .field("draft", Json.flag(gitlab, "object_attributes.draft"))
            .field("merged", merged)
            .field("merge_commit_sha", mergeCommit)
            .author(sender)
            .sender(sender)
            .head(head, headSha, headRepository, headCloneUrl)
            .base(base, null, repository, cloneUrl)
            .repositoryField("clone_url", cloneUrl)
            .repositoryField("html_url", Json.optionalString(gitlab, "project.web_url"))
            .repositoryField(
                "default_branch", Json.optionalString(gitlab, "project.default_branch"));
    if (oldrev != null) {
      shaped.pushed(oldrev, headSha);
    }
    return new WebhookEvent.PullRequest(
        repository,
        action,
        number,
        base,
        head,
        headSha,
        headRepository,
        headCloneUrl,
        merged,
        mergeCommit,
        sender,
        shaped.toMap());
  }

  static WebhookEvent.Ignored notHandled(String action) {
    return new WebhookEvent.Ignored(
        "pull request action '"
            + action
            + "' is not handled; nothing run (Gantry runs on GitHub's activity types: "
            + String.join(", ", EventTrigger.PULL_REQUEST_TYPES)
            + ")");
  }

  private static String branch(String field, String name) throws MalformedWebhookException {
    return GitNames.ref(field, "refs/heads/" + name).substring("refs/heads/".length());
  }

  private static String optionalId(Map<String, Object> payload, String path)
      throws MalformedWebhookException {
    String value = Json.optionalString(payload, path);
    return value == null || value.isEmpty() ? null : GitNames.objectId(path, value);
  }

  private static long number(Map<String, Object> payload, String path)
      throws MalformedWebhookException {
    Object value = Json.at(payload, path);
    if (!(value instanceof Number n)
        || n.doubleValue() < 1
        || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new MalformedWebhookException("field '" + path + "' must be a positive whole number");
    }
    return n.longValue();
  }
}
