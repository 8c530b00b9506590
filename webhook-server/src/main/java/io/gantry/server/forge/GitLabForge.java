package io.gantry.server.forge;

import io.gantry.runner.trigger.PushPayload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitLab: the secret itself in {@code X-Gitlab-Token} (no HMAC), {@code X-Gitlab-Event} ("Push
 * Hook", "Tag Push Hook", "Merge Request Hook", or "System Hook" with {@code event_name}), {@code
 * X-Gitlab-Event-UUID}. The payload is reshaped to GitHub's push fields so a workflow reading
 * {@code github.event} runs unchanged.
 */
final class GitLabForge implements Forge {

  @Override
  public String name() {
    return "gitlab";
  }

  @Override
  public boolean verify(Headers headers, byte[] rawBody, String secret) {
    return Signatures.verifyToken(headers.get("X-Gitlab-Token").orElse(null), secret);
  }

  @Override
  public String deliveryId(Headers headers, byte[] rawBody) {
    return Forges.deliveryId(headers, "X-Gitlab-Event-UUID", rawBody);
  }

  @Override
  public WebhookEvent parse(Headers headers, byte[] rawBody) throws MalformedWebhookException {
    String event =
        headers
            .get("X-Gitlab-Event")
            .orElseThrow(() -> new MalformedWebhookException("missing header X-Gitlab-Event"));
    switch (event) {
      case "Push Hook":
      case "Tag Push Hook":
        return push(Json.parseObject(rawBody));
      case "Merge Request Hook":
        return PullRequests.gitlab(Json.parseObject(rawBody));
      case "System Hook":
        // A system hook carries every instance event; only its pushes concern Gantry.
        Map<String, Object> payload = Json.parseObject(rawBody);
        String name = Json.optionalString(payload, "event_name");
        if ("push".equals(name) || "tag_push".equals(name)) {
          return push(payload);
        }
        if ("merge_request".equals(Json.optionalString(payload, "object_kind"))) {
          return PullRequests.gitlab(payload);
        }
        return GitHubStylePush.notHandled("System Hook/" + name);
      default:
        return GitHubStylePush.notHandled(event);
    }
  }

  private static WebhookEvent.Push push(Map<String, Object> gitlab)
      throws MalformedWebhookException {
    String repository = Json.requireString(gitlab, "project.path_with_namespace");
    String ref = GitNames.ref("ref", Json.requireString(gitlab, "ref"));
    String before = GitNames.objectId("before", Json.requireString(gitlab, "before"));
    String after = GitNames.objectId("after", Json.requireString(gitlab, "after"));
    String checkoutSha = Json.optionalString(gitlab, "checkout_sha");
    // GitLab marks a deletion both ways depending on version: zeros in after, null checkout_sha.
    boolean deleted =
        GitHubStylePush.isZeros(after)
            || (gitlab.containsKey("checkout_sha") && checkoutSha == null);
    boolean created = GitHubStylePush.isZeros(before);
    String pusher = Json.optionalString(gitlab, "user_username");
    String cloneUrl = Json.optionalString(gitlab, "project.git_http_url");
    Map<String, Object> payload =
        githubShaped(gitlab, repository, ref, before, after, deleted, created, pusher, cloneUrl);
    return new WebhookEvent.Push(
        repository, ref, before, after, deleted, created, pusher, cloneUrl, payload);
  }

  private static Map<String, Object> githubShaped(
      Map<String, Object> gitlab,
      String repository,
      String ref,
      String before,
      String after,
      boolean deleted,
      boolean created,
      String pusher,
      String cloneUrl)
      throws MalformedWebhookException {
    List<Object> commits = new ArrayList<>();
    Map<String, Object> headCommit = null;
    if (gitlab.get("commits") instanceof List) {
      for (Object item : (List<?>) gitlab.get("commits")) {
        if (item instanceof Map) {
          Map<String, Object> commit = commit(asMap(item));
          commits.add(commit);
          if (after.equals(commit.get("id"))) {
            headCommit = commit;
          }
        }
      }
    }
    return PushPayload.of(repository, ref, before, after)
        .created(created)
        .deleted(deleted)
        .repositoryField("clone_url", cloneUrl)
        .repositoryField("ssh_url", Json.optionalString(gitlab, "project.git_ssh_url"))
        .repositoryField("html_url", Json.optionalString(gitlab, "project.web_url"))
        .repositoryField("default_branch", Json.optionalString(gitlab, "project.default_branch"))
        .pushedBy(pusher, Json.optionalString(gitlab, "user_email"))
        .commits(commits, headCommit)
        .toMap();
  }

  private static Map<String, Object> commit(Map<String, Object> gitlab) {
    Map<String, Object> commit = new LinkedHashMap<>();
    for (String key :
        List.of("id", "message", "timestamp", "url", "added", "modified", "removed")) {
      commit.put(key, gitlab.get(key));
    }
    commit.put("author", gitlab.get("author"));
    return commit;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return (Map<String, Object>) value;
  }
}
