package io.gantry.server.forge;

import java.util.Map;

/**
 * The push payload GitHub defines and Gitea copies: {@code repository.full_name}, {@code ref},
 * {@code before}/{@code after} and {@code repository.clone_url}. Only the pusher differs.
 */
final class GitHubStylePush {

  static final String ZEROS = "0".repeat(40);

  private GitHubStylePush() {}

  static WebhookEvent.Push parse(Map<String, Object> payload, String pusherPath)
      throws MalformedWebhookException {
    String repository = Json.requireString(payload, "repository.full_name");
    String ref = GitNames.ref("ref", Json.requireString(payload, "ref"));
    String before = GitNames.objectId("before", Json.requireString(payload, "before"));
    String after = GitNames.objectId("after", Json.requireString(payload, "after"));
    // Gitea leaves out created/deleted; the zero object id says the same thing on every forge.
    boolean deleted = Json.flag(payload, "deleted") || isZeros(after);
    boolean created = Json.flag(payload, "created") || isZeros(before);
    String cloneUrl = Json.optionalString(payload, "repository.clone_url");
    Object pusher = Json.at(payload, pusherPath);
    return new WebhookEvent.Push(
        repository,
        ref,
        before,
        after,
        deleted,
        created,
        pusher instanceof String ? (String) pusher : null,
        cloneUrl,
        payload);
  }

  /** An all-zeros object id (SHA-1 or SHA-256): the ref did not exist on that side. */
  static boolean isZeros(String sha) {
    return sha != null && !sha.isEmpty() && sha.chars().allMatch(c -> c == '0');
  }

  static WebhookEvent.Ignored notHandled(String event) {
    return new WebhookEvent.Ignored(
        "event '" + event + "' is not handled; Gantry runs on push and pull_request");
  }
}
