package io.gantry.server.forge;

/**
 * Gitea (and Forgejo): {@code X-Gitea-Signature: <hex>} without a prefix, {@code X-Gitea-Event},
 * {@code X-Gitea-Delivery}; the push payload is GitHub's shape, but without {@code created} /
 * {@code deleted} and with the pusher as a user ({@code pusher.login}).
 */
final class GiteaForge implements Forge {

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
    return GitHubStylePush.notHandled(event);
  }
}
