package io.gantry.server.forge;

import static io.gantry.server.forge.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Bodies follow the push examples in GitLab's "Webhook events" documentation. */
class GitLabParsingTest {

  private static final String BEFORE = "95790bf891e76fee5e1747ab589903a6a1f80f22";
  private static final String AFTER = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
  private static final String ZEROS = "0".repeat(40);

  private final Forge gitlab = Forges.byName("gitlab");

  static String push(String kind, String ref, String before, String after, String checkoutSha) {
    return """
{
  "object_kind": "%1$s",
  "event_name": "%1$s",
  "before": "%3$s",
  "after": "%4$s",
  "ref": "%2$s",
  "ref_protected": true,
  "checkout_sha": %5$s,
  "user_id": 4,
  "user_name": "John Smith",
  "user_username": "jsmith",
  "user_email": "john@example.com",
  "project_id": 15,
  "project": {
    "id": 15,
    "name": "Diaspora",
    "web_url": "http://example.com/mike/diaspora",
    "git_ssh_url": "git@example.com:mike/diaspora.git",
    "git_http_url": "http://example.com/mike/diaspora.git",
    "namespace": "Mike",
    "path_with_namespace": "mike/diaspora",
    "default_branch": "master"
  },
  "repository": {
    "name": "Diaspora",
    "url": "git@example.com:mike/diaspora.git",
    "git_http_url": "http://example.com/mike/diaspora.git"
  },
  "commits": [
    {
      "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
      "message": "Update Catalan translation to e38cb41.",
      "title": "Update Catalan translation to e38cb41.",
      "timestamp": "2011-12-12T14:27:31+02:00",
      "url": "http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
      "author": {"name": "Jordi Mallach", "email": "jordi@softcatala.org"},
      "added": ["CHANGELOG"], "modified": ["app/controller/application.rb"], "removed": []
    },
    {
      "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      "message": "fixed readme",
      "title": "fixed readme",
      "timestamp": "2012-01-03T23:36:29+02:00",
      "url": "http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      "author": {"name": "GitLab dev user", "email": "gitlabdev@dv6700.(none)"},
      "added": ["CHANGELOG"], "modified": ["app/controller/application.rb"], "removed": []
    }
  ],
  "total_commits_count": 4
}
"""
        .formatted(kind, ref, before, after, checkoutSha);
  }

  private WebhookEvent parse(String event, String body) throws MalformedWebhookException {
    return gitlab.parse(Headers.of("X-Gitlab-Event", event), utf8(body));
  }

  @Test
  void aPushHookIsAPushOfTheProjectPath() throws Exception {
    WebhookEvent event =
        parse("Push Hook", push("push", "refs/heads/master", BEFORE, AFTER, "\"" + AFTER + "\""));

    assertThat(event)
        .isInstanceOfSatisfying(
            WebhookEvent.Push.class,
            push -> {
              assertThat(push.repository()).isEqualTo("mike/diaspora");
              assertThat(push.ref()).isEqualTo("refs/heads/master");
              assertThat(push.after()).isEqualTo(AFTER);
              assertThat(push.pusher()).isEqualTo("jsmith");
              assertThat(push.cloneUrl()).isEqualTo("http://example.com/mike/diaspora.git");
              assertThat(push.deleted()).isFalse();
              assertThat(push.created()).isFalse();
            });
  }

  @Test
  void thePayloadIsReshapedToGitHubsPushFieldsForWorkflows() throws Exception {
    WebhookEvent.Push push =
        (WebhookEvent.Push)
            parse(
                "Push Hook", push("push", "refs/heads/master", BEFORE, AFTER, "\"" + AFTER + "\""));

    assertThat(Json.at(push.payload(), "repository.full_name")).isEqualTo("mike/diaspora");
    assertThat(Json.at(push.payload(), "repository.owner.login")).isEqualTo("mike");
    assertThat(Json.at(push.payload(), "repository.clone_url"))
        .isEqualTo("http://example.com/mike/diaspora.git");
    assertThat(Json.at(push.payload(), "pusher.name")).isEqualTo("jsmith");
    assertThat(Json.at(push.payload(), "head_commit.message")).isEqualTo("fixed readme");
    assertThat(Json.at(push.payload(), "head_commit.author.email"))
        .isEqualTo("gitlabdev@dv6700.(none)");
    assertThat((List<?>) push.payload().get("commits")).hasSize(2);
  }

  @Test
  void aTagPushHookIsAPushOfTheTag() throws Exception {
    WebhookEvent.Push push =
        (WebhookEvent.Push)
            parse(
                "Tag Push Hook",
                push("tag_push", "refs/tags/v1.0.0", ZEROS, AFTER, "\"" + AFTER + "\""));

    assertThat(push.ref()).isEqualTo("refs/tags/v1.0.0");
    assertThat(push.created()).isTrue();
    assertThat(push.deleted()).isFalse();
  }

  @Test
  void aBranchDeletionWithZerosAndANullCheckoutShaIsADeletingPush() throws Exception {
    WebhookEvent.Push push =
        (WebhookEvent.Push)
            parse("Push Hook", push("push", "refs/heads/old", BEFORE, ZEROS, "null"));

    assertThat(push.deleted()).isTrue();
  }

  @Test
  void aSystemHookPushIsAPushAndAnyOtherSystemEventIsIgnored() throws Exception {
    assertThat(
            parse(
                "System Hook",
                push("push", "refs/heads/master", BEFORE, AFTER, "\"" + AFTER + "\"")))
        .isInstanceOf(WebhookEvent.Push.class);
    assertThat(parse("System Hook", "{\"event_name\": \"project_create\"}"))
        .isEqualTo(
            new WebhookEvent.Ignored(
                "event 'System Hook/project_create' is not handled; Gantry runs on push and pull_request"));
  }

  @Test
  void aMergeRequestApprovalIsAcknowledgedWithTheReasonAndRunsNothing() throws Exception {
    assertThat(
            parse(
                "Merge Request Hook",
                "{\"object_kind\": \"merge_request\", \"object_attributes\": {\"action\":"
                    + " \"approved\"}}"))
        .isInstanceOf(WebhookEvent.Ignored.class)
        .extracting(e -> ((WebhookEvent.Ignored) e).reason())
        .asString()
        .startsWith("pull request action 'approved' is not handled; nothing run");
  }

  @Test
  void aPushWithoutItsProjectPathIsMalformed() {
    String body =
        "{\"ref\":\"refs/heads/main\",\"before\":\""
            + BEFORE
            + "\",\"after\":\""
            + AFTER
            + "\",\"project\":{\"id\":1}}";
    assertThatThrownBy(() -> parse("Push Hook", body))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessage("missing field 'project.path_with_namespace'");
  }
}
