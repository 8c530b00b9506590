package io.gantry.server.forge;

import java.util.Map;

/**
 * GitHub: {@code X-Hub-Signature-256: sha256=<hex>}, {@code X-GitHub-Event}, {@code
 * X-GitHub-Delivery} (kept on redelivery).
 */
final class GitHubForge implements Forge {

  @Override
  public String name() {
    return "github";
  }

  @Override
  public boolean verify(Headers headers, byte[] rawBody, String secret) {
    return Signatures.verifyHmac(
        headers.get("X-Hub-Signature-256").orElse(null), "sha256=", secret, rawBody);
  }

  @Override
  public String deliveryId(Headers headers, byte[] rawBody) {
    return Forges.deliveryId(headers, "X-GitHub-Delivery", rawBody);
  }

  @Override
  public WebhookEvent parse(Headers headers, byte[] rawBody) throws MalformedWebhookException {
    String event =
        headers
            .get("X-GitHub-Event")
            .orElseThrow(() -> new MalformedWebhookException("missing header X-GitHub-Event"));
    switch (event) {
      case "push":
        return GitHubStylePush.parse(Json.parseObject(rawBody), "pusher.name");
      case "pull_request":
        // Also what runs pull_request_target workflows: GitHub sends no event of that name.
        return PullRequests.githubStyle(Json.parseObject(rawBody), false);
      case "ping":
        Map<String, Object> payload = Json.parseObject(rawBody);
        return new WebhookEvent.Ping(Json.optionalString(payload, "repository.full_name"));
      default:
        return GitHubStylePush.notHandled(event);
    }
  }
}
