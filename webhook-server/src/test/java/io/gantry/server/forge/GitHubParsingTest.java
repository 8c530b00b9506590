package io.gantry.server.forge;

import static io.gantry.server.forge.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitHubParsingTest {

  private final Forge github = Forges.byName("github");

  private WebhookEvent parse(String event, byte[] body) throws MalformedWebhookException {
    return github.parse(Headers.of("X-GitHub-Event", event), body);
  }

  @Test
  void aPushCreatingABranchIsAPushOfThatCommit() throws Exception {
    WebhookEvent event = parse("push", Fixtures.github("push-with-new-branch.payload.json"));

    assertThat(event).isInstanceOf(WebhookEvent.Push.class);
    WebhookEvent.Push push = (WebhookEvent.Push) event;
    assertThat(push.repository()).isEqualTo("Codertocat/Hello-World");
    assertThat(push.ref()).isEqualTo("refs/heads/master");
    assertThat(push.refName()).isEqualTo("master");
    assertThat(push.before()).isEqualTo("0".repeat(40));
    assertThat(push.after()).isEqualTo("6113728f27ae82c7b1a177c8d03f9e96e0adf246");
    assertThat(push.created()).isTrue();
    assertThat(push.deleted()).isFalse();
    assertThat(push.pusher()).isEqualTo("Codertocat");
    assertThat(push.cloneUrl()).isEqualTo("https://github.com/Codertocat/Hello-World.git");
  }

  @Test
  void thePayloadIsPlainDataWithEveryNumberADouble() throws Exception {
    WebhookEvent.Push push =
        (WebhookEvent.Push) parse("push", Fixtures.github("push-with-new-branch.payload.json"));

    Map<String, Object> payload = push.payload();
    assertThat(Json.at(payload, "repository.id")).isEqualTo(186853002.0);
    assertThat(Json.at(payload, "head_commit.message")).isEqualTo("Initial commit");
    assertThat(Json.at(payload, "forced")).isEqualTo(false);
    assertThat(payload.get("base_ref")).isNull();
    assertThat(payload).containsKey("base_ref");
  }

  @Test
  void aPushWhoseCommitterHasNoUsernameParses() throws Exception {
    WebhookEvent event =
        parse("push", Fixtures.github("push-with-no-username-committer.payload.json"));

    assertThat(event)
        .isInstanceOfSatisfying(
            WebhookEvent.Push.class, push -> assertThat(push.deleted()).isFalse());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "push-payload.json",
        "push-1.payload.json",
        "push-with-installation.payload.json",
        "push-with-organization.payload.json"
      })
  void aTagDeletionIsADeletingPushWithNothingToRun(String fixture) throws Exception {
    WebhookEvent event = parse("push", Fixtures.github(fixture));

    assertThat(event)
        .isInstanceOfSatisfying(
            WebhookEvent.Push.class,
            push -> {
              assertThat(push.deleted()).isTrue();
              assertThat(push.ref()).isEqualTo("refs/tags/simple-tag");
              assertThat(push.after()).isEqualTo("0".repeat(40));
            });
  }

  @Test
  void aPingNamesItsRepository() throws Exception {
    assertThat(parse("ping", Fixtures.github("ping-payload.json")))
        .isEqualTo(new WebhookEvent.Ping("Octocoders/Hello-World"));
  }

  @Test
  void aPingFromAnOrganizationHookHasNoRepository() throws Exception {
    assertThat(parse("ping", Fixtures.github("ping-with-organization.payload.json")))
        .isEqualTo(new WebhookEvent.Ping(null));
  }

  @Test
  void anEventGantryDoesNotHandleIsIgnoredWithTheReason() throws Exception {
    assertThat(parse("issues", utf8("{\"action\":\"opened\"}")))
        .isEqualTo(
            new WebhookEvent.Ignored(
                "event 'issues' is not handled; Gantry runs on push and pull_request"));
  }

  @Test
  void malformedJsonIsRejectedWithAOneLineMessage() {
    assertThatThrownBy(() -> parse("push", utf8("{\"ref\": \"refs/heads/main\",\n  oops\n}")))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessageStartingWith("malformed JSON: ")
        .hasMessageContaining("line 2")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
  }

  @Test
  void aBodyThatIsNotAnObjectIsMalformed() {
    assertThatThrownBy(() -> parse("push", utf8("[1, 2]")))
        .hasMessage("malformed JSON: expected an object, got array");
    assertThatThrownBy(() -> parse("push", new byte[0]))
        .hasMessage("malformed JSON: the body is empty");
  }

  @Test
  void duplicateKeysAreMalformedSoNoTwoParsersCanReadOneBodyDifferently() {
    assertThatThrownBy(() -> parse("push", utf8("{\"ref\": \"a\", \"ref\": \"b\"}")))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessageContaining("Duplicate field 'ref'");
  }

  @Test
  void aMissingFieldIsNamed() {
    String body =
        "{\"ref\":\"refs/heads/main\",\"before\":\"a\",\"after\":\"b\",\"repository\":{}}";
    assertThatThrownBy(() -> parse("push", utf8(body)))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessage("missing field 'repository.full_name'");
  }

  @Test
  void aFieldOfTheWrongTypeIsNamed() {
    String body =
        "{\"ref\":42,\"before\":\"a\",\"after\":\"b\",\"repository\":{\"full_name\":\"a/b\"}}";
    assertThatThrownBy(() -> parse("push", utf8(body))).hasMessage("field 'ref' must be a string");
  }

  @Test
  void aDeliveryWithoutAnEventHeaderIsMalformed() {
    assertThatThrownBy(() -> github.parse(Headers.of(), utf8("{}")))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessage("missing header X-GitHub-Event");
  }
}
