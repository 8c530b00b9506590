package io.gantry.server.forge;

import static io.gantry.server.forge.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GitHookPayloadTest {

  private static final String OLD = "1".repeat(40);
  private static final String NEW = "2".repeat(40);
  private static final Instant AT = Instant.parse("2024-05-01T10:00:00.123456Z");

  private final Forge git = Forges.byName("git");

  private static GitHookPayload payload(String before, String after) {
    return GitHookPayload.of(
        "acme/web", new PostReceive.RefUpdate(before, after, "refs/heads/main"), "alice", AT);
  }

  @Test
  void theBodyIsGantrysDocumentedJson() {
    assertThat(new String(payload(OLD, NEW).body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"repository\":\"acme/web\",\"ref\":\"refs/heads/main\",\"before\":\""
                + OLD
                + "\",\"after\":\""
                + NEW
                + "\",\"pusher\":\"alice\","
                + "\"pushed_at\":\"2024-05-01T10:00:00.123456Z\"}");
  }

  @Test
  void theHeadersCarryTheEventTheBodyHashAsDeliveryIdAndTheSignature() {
    GitHookPayload payload = payload(OLD, NEW);
    var headers = payload.headers("s3cret");

    assertThat(headers)
        .containsEntry("X-Gantry-Event", "push")
        .containsEntry("X-Gantry-Delivery", "sha256:" + Signatures.sha256Hex(payload.body()))
        .containsEntry(
            "X-Gantry-Signature-256", "sha256=" + Fixtures.hmac("s3cret", payload.body()))
        .containsEntry("Content-Type", "application/json");
  }

  @Test
  void anUnsignedDeliveryCannotBeBuilt() {
    assertThatThrownBy(() -> payload(OLD, NEW).headers(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("secret is empty");
  }

  @Test
  void whatTheHookSendsTheGitForgeParsesBackToThePush() throws Exception {
    GitHookPayload payload = payload(OLD, NEW);
    Headers headers = Headers.of(payload.headers("s3cret"));

    WebhookEvent event = git.parse(headers, payload.body());

    assertThat(event)
        .isInstanceOfSatisfying(
            WebhookEvent.Push.class,
            push -> {
              assertThat(push.repository()).isEqualTo("acme/web");
              assertThat(push.ref()).isEqualTo("refs/heads/main");
              assertThat(push.before()).isEqualTo(OLD);
              assertThat(push.after()).isEqualTo(NEW);
              assertThat(push.pusher()).isEqualTo("alice");
              assertThat(push.cloneUrl()).isNull();
              assertThat(push.deleted()).isFalse();
              assertThat(Json.at(push.payload(), "repository.full_name")).isEqualTo("acme/web");
              assertThat(Json.at(push.payload(), "pusher.name")).isEqualTo("alice");
            });
    assertThat(git.deliveryId(headers, payload.body())).isEqualTo(payload.deliveryId());
  }

  @Test
  void aRefDeletedOrCreatedInABareRepositoryIsMarkedSo() throws Exception {
    GitHookPayload deletion = payload(OLD, "0".repeat(40));
    GitHookPayload creation = payload("0".repeat(40), NEW);
    Headers headers = Headers.of("X-Gantry-Event", "push");

    assertThat(((WebhookEvent.Push) git.parse(headers, deletion.body())).deleted()).isTrue();
    assertThat(((WebhookEvent.Push) git.parse(headers, creation.body())).created()).isTrue();
  }

  @Test
  void anObjectIdThatIsNotHexIsMalformed() {
    String body =
        "{\"repository\":\"acme/web\",\"ref\":\"refs/heads/main\",\"before\":\""
            + OLD
            + "\",\"after\":\"main\"}";
    assertThatThrownBy(() -> git.parse(Headers.of("X-Gantry-Event", "push"), utf8(body)))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessage(
            "field 'after' must be a full commit id (40 or 64 lowercase hex digits), got 'main'");
  }

  @Test
  void aPushWithoutItsRepositoryIsMalformed() {
    String body =
        "{\"ref\":\"refs/heads/main\",\"before\":\"" + OLD + "\",\"after\":\"" + NEW + "\"}";
    assertThatThrownBy(() -> git.parse(Headers.of("X-Gantry-Event", "push"), utf8(body)))
        .hasMessage("missing field 'repository'");
  }
}
