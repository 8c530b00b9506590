package io.gantry.server.forge;

import static io.gantry.server.forge.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bodies follow the push example in Gitea's webhook documentation (docs.gitea.com, "Webhooks"). */
class GiteaParsingTest {

  private static final String BEFORE = "28e1879d029cb852e4844d9c718537df08844e03";
  private static final String AFTER = "bffeb74224043ba2feb48d137756c8a9331c449a";

  private final Forge gitea = Forges.byName("gitea");

  static String push(String before, String after) {
    return """
{
  "ref": "refs/heads/develop",
  "before": "%1$s",
  "after": "%2$s",
  "compare_url": "http://localhost:3000/gitea/webhooks/compare/%1$s...%2$s",
  "commits": [
    {
      "id": "%2$s",
      "message": "Webhooks Yay!",
      "url": "http://localhost:3000/gitea/webhooks/commit/%2$s",
      "author": {"name": "Gitea", "email": "someone@gitea.io", "username": "gitea"},
      "committer": {"name": "Gitea", "email": "someone@gitea.io", "username": "gitea"},
      "timestamp": "2017-03-13T13:52:11-04:00"
    }
  ],
  "repository": {
    "id": 140,
    "owner": {"id": 1, "login": "gitea", "full_name": "Gitea", "email": "someone@gitea.io",
              "username": "gitea"},
    "name": "webhooks",
    "full_name": "gitea/webhooks",
    "private": false,
    "html_url": "http://localhost:3000/gitea/webhooks",
    "ssh_url": "ssh://gitea@localhost:2222/gitea/webhooks.git",
    "clone_url": "http://localhost:3000/gitea/webhooks.git",
    "default_branch": "master"
  },
  "pusher": {"id": 1, "login": "gitea", "full_name": "Gitea", "email": "someone@gitea.io",
             "username": "gitea"},
  "sender": {"id": 1, "login": "gitea", "full_name": "Gitea", "email": "someone@gitea.io",
             "username": "gitea"}
}
"""
        .formatted(before, after);
  }

  @Test
  void aPushIsParsedFromGiteasDocumentedShape() throws Exception {
    WebhookEvent event =
        gitea.parse(Headers.of("X-Gitea-Event", "push"), utf8(push(BEFORE, AFTER)));

    assertThat(event)
        .isInstanceOfSatisfying(
            WebhookEvent.Push.class,
            push -> {
              assertThat(push.repository()).isEqualTo("gitea/webhooks");
              assertThat(push.ref()).isEqualTo("refs/heads/develop");
              assertThat(push.before()).isEqualTo(BEFORE);
              assertThat(push.after()).isEqualTo(AFTER);
              assertThat(push.pusher()).isEqualTo("gitea");
              assertThat(push.cloneUrl()).isEqualTo("http://localhost:3000/gitea/webhooks.git");
              assertThat(push.created()).isFalse();
              assertThat(push.deleted()).isFalse();
            });
  }

  @Test
  void withoutCreatedAndDeletedFlagsTheZeroShasTellWhatHappenedToTheRef() throws Exception {
    Headers headers = Headers.of("X-Gitea-Event", "push");
    WebhookEvent.Push deleted =
        (WebhookEvent.Push) gitea.parse(headers, utf8(push(BEFORE, "0".repeat(40))));
    WebhookEvent.Push created =
        (WebhookEvent.Push) gitea.parse(headers, utf8(push("0".repeat(40), AFTER)));

    assertThat(deleted.deleted()).isTrue();
    assertThat(created.created()).isTrue();
    assertThat(created.deleted()).isFalse();
  }

  @Test
  void otherGiteaEventsAreIgnoredWithTheReason() throws Exception {
    assertThat(gitea.parse(Headers.of("X-Gitea-Event", "create"), utf8("{}")))
        .isEqualTo(
            new WebhookEvent.Ignored(
                "event 'create' is not handled; Gantry runs on push and pull_request"));
  }

  @Test
  void aPushWithoutItsRepositoryIsMalformed() {
    String body =
        "{\"ref\":\"refs/heads/main\",\"before\":\"" + BEFORE + "\",\"after\":\"" + AFTER + "\"}";
    assertThatThrownBy(() -> gitea.parse(Headers.of("X-Gitea-Event", "push"), utf8(body)))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessage("missing field 'repository.full_name'");
  }
}
