package io.gantry.server.forge;

/**
 * Gitea (and Forgejo): {@code X-Gitea-Signature: <hex>} without a prefix, {@code X-Gitea-Event},
 * {@code X-Gitea-Delivery}; the push payload is GitHub's shape, but without {@code created} /
 * {@code deleted} and with the pusher as a user ({@code pusher.login}).
 */
final class GiteaForge implements Forge {

  /**
   * The pull request events: Gitea sends {@code pull_request} in {@code X-Gitea-Event} with the
   * precise kind in {@code X-Gitea-Event-Type}; older versions and Forgejo send the kind itself.
   */
  private static final java.util.Set<String> PULL_REQUEST_EVENTS =
      java.util.Set.of(
          "pull_request",
          "pull_request_sync",
          "pull_request_label",
          "pull_request_assign",
          "pull_request_milestone",
          "pull_request_review_request");

  @Override
  public String name() {
    return "gitea";
  }

  @Override
  public boolean verify(Headers headers, byte[] rawBody, String secret) {
    return Signatures.verifyHmac(
        headers.get("X-Gitea-Signature").orElse(null), "", secret, rawBody);
  }

  @Override
  public String deliveryId(Headers headers, byte[] rawBody) {
    return Forges.deliveryId(headers, "X-Gitea-Delivery", rawBody);
  }

  @Override
  public WebhookEvent parse(Headers headers, byte[] rawBody) throws MalformedWebhookException {
    String event =
        headers
            .get("X-Gitea-Event")
            .orElseThrow(() -> new MalformedWebhookException("missing header X-Gitea-Event"));
    if (event.equals("push")) {
      return GitHubStylePush.parse(Json.parseObject(rawBody), "pusher.login");
    }
    if (PULL_REQUEST_EVENTS.contains(event)) {
      return PullRequests.githubStyle(Json.parseObject(rawBody), true);
    }
    return GitHubStylePush.notHandled(event);
  }
}
