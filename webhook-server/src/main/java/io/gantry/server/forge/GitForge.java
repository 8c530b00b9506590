package io.gantry.server.forge;

import io.gantry.runner.trigger.PushPayload;
import java.util.Map;

/**
 * Gantry's own format, sent by {@code gantry hook post-receive} from a bare repository: see {@link
 * GitHookPayload} for the body and headers. There is no forge in between, so the hook signs like
 * GitHub does, under Gantry's own header names.
 */
final class GitForge implements Forge {

  @Override
  public String name() {
    return "git";
  }

  @Override
  public boolean verify(Headers headers, byte[] rawBody, String secret) {
    return Signatures.verifyHmac(
        headers.get(GitHookPayload.SIGNATURE_HEADER).orElse(null), "sha256=", secret, rawBody);
  }

  @Override
  public String deliveryId(Headers headers, byte[] rawBody) {
    // The hook's id is the body's hash: computed here, never taken from the unsigned header.
    return Forges.bodyHash(rawBody);
  }

  @Override
  public WebhookEvent parse(Headers headers, byte[] rawBody) throws MalformedWebhookException {
    String event =
        headers
            .get(GitHookPayload.EVENT_HEADER)
            .orElseThrow(
                () ->
                    new MalformedWebhookException("missing header " + GitHookPayload.EVENT_HEADER));
    if (!event.equals("push")) {
      return GitHubStylePush.notHandled(event);
    }
    Map<String, Object> body = Json.parseObject(rawBody);
    String repository = Json.requireString(body, "repository");
    String ref = GitNames.ref("ref", Json.requireString(body, "ref"));
    String before = GitNames.objectId("before", Json.requireString(body, "before"));
    String after = GitNames.objectId("after", Json.requireString(body, "after"));
    String pusher = Json.optionalString(body, "pusher");
    boolean deleted = GitHubStylePush.isZeros(after);
    boolean created = GitHubStylePush.isZeros(before);

    // The hook sends no commits; the server reads them from the repository if it needs them.
    Map<String, Object> payload =
        PushPayload.of(repository, ref, before, after)
            .created(created)
            .deleted(deleted)
            .pushedBy(pusher)
            .toMap();
    return new WebhookEvent.Push(
        repository, ref, before, after, deleted, created, pusher, null, payload);
  }
}
