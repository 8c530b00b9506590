package io.gantry.server.forge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitLab: the secret itself in {@code X-Gitlab-Token} (no HMAC), {@code X-Gitlab-Event} ("Push
 * Hook", "Tag Push Hook", or "System Hook" with {@code event_name}), {@code X-Gitlab-Event-UUID}.
 * The payload is reshaped to GitHub's push fields so a workflow reading {@code github.event} runs
 * unchanged.
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
      case "System Hook":
        // A system hook carries every instance event; only its pushes concern Gantry.
        Map<String, Object> payload = Json.parseObject(rawBody);
        String name = Json.optionalString(payload, "event_name");
        if ("push".equals(name) || "tag_push".equals(name)) {
          return push(payload);
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
    int slash = repository.lastIndexOf('/');
    Map<String, Object> repo = new LinkedHashMap<>();
    repo.put("full_name", repository);
    repo.put("name", repository.substring(slash + 1));
    repo.put("owner", mapOf("login", slash < 0 ? repository : repository.substring(0, slash)));
    repo.put("clone_url", cloneUrl);
    repo.put("ssh_url", Json.optionalString(gitlab, "project.git_ssh_url"));
    repo.put("html_url", Json.optionalString(gitlab, "project.web_url"));
    repo.put("default_branch", Json.optionalString(gitlab, "project.default_branch"));

    List<Object> commits = new ArrayList<>();
    Object headCommit = null;
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

    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("ref", ref);
    payload.put("before", before);
    payload.put("after", after);
    payload.put("created", created);
    payload.put("deleted", deleted);
    payload.put("forced", false);
    payload.put("repository", repo);
    Map<String, Object> pusherMap = new LinkedHashMap<>();
    pusherMap.put("name", pusher);
    pusherMap.put("email", Json.optionalString(gitlab, "user_email"));
    payload.put("pusher", pusherMap);
    payload.put("sender", mapOf("login", pusher));
    payload.put("head_commit", headCommit);
    payload.put("commits", commits);
    return payload;
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

  private static Map<String, Object> mapOf(String key, Object value) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(key, value);
    return map;
  }
}
