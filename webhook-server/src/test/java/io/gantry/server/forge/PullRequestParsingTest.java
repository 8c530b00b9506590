package io.gantry.server.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each forge's pull (merge) request delivery, from the templates of resources/pull-requests. */
class PullRequestParsingTest {

  private static final String HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
  private static final String BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

  private static String template(String name, String action, String headRepo, String oldrev)
      throws IOException {
    String text;
    try (InputStream in =
        PullRequestParsingTest.class.getResourceAsStream("/pull-requests/" + name)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Map<String, String> values =
        Map.ofEntries(
            Map.entry("@HEAD_REPO_OBJECT@", headRepo),
            Map.entry("@PUSHED@", ""),
            Map.entry("@OLDREV@", oldrev == null ? "" : "\"oldrev\": \"" + oldrev + "\","),
            Map.entry("@ACTION@", action),
            Map.entry("@NUMBER@", "2"),
            Map.entry("@BASE_REPO@", "Codertocat/Hello-World"),
            Map.entry("@BASE_REF@", "master"),
            Map.entry("@BASE_SHA@", BASE),
            Map.entry("@BASE_CLONE_URL@", "https://github.com/Codertocat/Hello-World.git"),
            Map.entry("@HEAD_REF@", "changes"),
            Map.entry("@HEAD_SHA@", HEAD),
            Map.entry("@MERGED@", "false"),
            Map.entry("@MERGE_COMMIT@", "null"),
            Map.entry("@STATE@", "open"));
    for (Map.Entry<String, String> v : values.entrySet()) {
      text = text.replace(v.getKey(), v.getValue());
    }
    return text;
  }

  private static final String FORK =
      "{\"full_name\": \"octo/Hello-World\", \"clone_url\": \"https://github.com/octo/Hello-World.git\","
          + " \"path_with_namespace\": \"octo/Hello-World\","
          + " \"git_http_url\": \"https://gitlab.example/octo/Hello-World.git\"}";

  @Test
  void githubsPullRequestNamesBaseHeadAndTheFork() throws Exception {
    WebhookEvent event =
        Forges.byName("github")
            .parse(
                Headers.of("X-GitHub-Event", "pull_request"),
                template("github-pull_request.json", "opened", FORK, null)
                    .getBytes(StandardCharsets.UTF_8));

    WebhookEvent.PullRequest pr = (WebhookEvent.PullRequest) event;
    assertThat(pr.repository()).isEqualTo("Codertocat/Hello-World");
    assertThat(pr.action()).isEqualTo("opened");
    assertThat(pr.number()).isEqualTo(2);
    assertThat(pr.baseBranch()).isEqualTo("master");
    assertThat(pr.headBranch()).isEqualTo("changes");
    assertThat(pr.headSha()).isEqualTo(HEAD);
    assertThat(pr.headCloneUrl()).isEqualTo("https://github.com/octo/Hello-World.git");
    assertThat(pr.fromFork()).isTrue();
    assertThat(pr.payload()).containsKey("pull_request");
  }

  @Test
  void giteasSynchronizedAndLabelUpdatedAreGithubsSynchronizeAndLabeled() throws Exception {
    for (String[] words :
        new String[][] {{"synchronized", "synchronize"}, {"label_updated", "labeled"}}) {
      WebhookEvent event =
          Forges.byName("gitea")
              .parse(
                  Headers.of("X-Gitea-Event", "pull_request_sync"),
                  template("gitea-pull_request.json", words[0], "null", null)
                      .getBytes(StandardCharsets.UTF_8));
      assertThat(((WebhookEvent.PullRequest) event).action()).isEqualTo(words[1]);
      assertThat(((WebhookEvent.PullRequest) event).headRepository()).isNull();
    }
    assertThat(
            Forges.byName("gitea")
                .parse(
                    Headers.of("X-Gitea-Event", "pull_request"),
                    template("gitea-pull_request.json", "reviewed", "null", null)
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(WebhookEvent.Ignored.class);
  }

  @Test
  void gitlabsMergeRequestIsReshapedToGithubsPayload() throws Exception {
    WebhookEvent event =
        Forges.byName("gitlab")
            .parse(
                Headers.of("X-Gitlab-Event", "Merge Request Hook"),
                template("gitlab-merge_request.json", "update", FORK, BASE)
                    .getBytes(StandardCharsets.UTF_8));

    WebhookEvent.PullRequest pr = (WebhookEvent.PullRequest) event;
    assertThat(pr.action()).isEqualTo("synchronize");
    assertThat(pr.headRepository()).isEqualTo("octo/Hello-World");
    assertThat(pr.headCloneUrl()).isEqualTo("https://gitlab.example/octo/Hello-World.git");
    assertThat(pr.payload())
        .containsEntry("action", "synchronize")
        .containsEntry("before", BASE)
        .containsEntry("after", HEAD);
    Map<?, ?> pull = (Map<?, ?>) pr.payload().get("pull_request");
    assertThat(((Map<?, ?>) pull.get("head")).get("ref")).isEqualTo("changes");
    assertThat(((Map<?, ?>) pull.get("base")).get("ref")).isEqualTo("master");
    assertThat(pull.get("title")).isEqualTo("MS-Viewport");
  }

  @Test
  void aPullRequestWithoutItsHeadCommitIsMalformed() {
    assertThatThrownBy(
            () ->
                Forges.byName("github")
                    .parse(
                        Headers.of("X-GitHub-Event", "pull_request"),
                        template("github-pull_request.json", "opened", FORK, null)
                            .replace(HEAD, "not-a-sha")
                            .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedWebhookException.class)
        .hasMessageContaining("pull_request.head.sha");
  }
}
