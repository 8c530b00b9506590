package io.gantry.runner.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PushPayloadTest {

  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);

  @Test
  void aPushWithNothingButItsRefsHasEveryFieldOfGitHubsPayloadInGitHubsOrder() {
    Map<String, Object> payload = PushPayload.of("acme/web", "refs/heads/main", A, B).toMap();

    assertThat(payload.keySet())
        .containsExactly(
            "ref",
            "before",
            "after",
            "created",
            "deleted",
            "forced",
            "repository",
            "pusher",
            "sender",
            "head_commit",
            "commits");
    assertThat(payload.get("ref")).isEqualTo("refs/heads/main");
    assertThat(payload.get("before")).isEqualTo(A);
    assertThat(payload.get("after")).isEqualTo(B);
    assertThat(List.of(payload.get("created"), payload.get("deleted"), payload.get("forced")))
        .containsOnly(false);
    assertThat(payload.get("repository"))
        .isEqualTo(
            Map.of("full_name", "acme/web", "name", "web", "owner", Map.of("login", "acme")));
    assertThat(payload.get("pusher")).isEqualTo(Collections.singletonMap("name", null));
    assertThat(payload.get("sender")).isEqualTo(Collections.singletonMap("login", null));
    assertThat(payload).containsEntry("head_commit", null);
    assertThat(payload.get("commits")).isEqualTo(List.of());
  }

  @Test
  void thePusherIsAlsoTheSenderAndForgeFieldsFollowTheRepositorysNames() {
    Map<String, Object> head = Map.of("id", B, "message", "fix");
    Map<String, Object> payload =
        PushPayload.of("group/sub/project", "refs/tags/v1", "0".repeat(40), B)
            .created(true)
            .repositoryField("clone_url", "https://gitlab.example/group/sub/project.git")
            .pushedBy("dev", "dev@example.com")
            .commits(List.of(head), head)
            .toMap();

    assertThat(payload.get("created")).isEqualTo(true);
    assertThat(payload.get("repository"))
        .isEqualTo(
            Map.of(
                "full_name", "group/sub/project",
                "name", "project",
                "owner", Map.of("login", "group/sub"),
                "clone_url", "https://gitlab.example/group/sub/project.git"));
    assertThat(payload.get("pusher")).isEqualTo(Map.of("name", "dev", "email", "dev@example.com"));
    assertThat(payload.get("sender")).isEqualTo(Map.of("login", "dev"));
    assertThat(payload.get("head_commit")).isEqualTo(head);
    assertThat(payload.get("commits")).isEqualTo(List.of(head));
  }

  @Test
  void gantryRunsPushOfADirectoryWithoutGitHasNoHeadCommitAndTheLocalUserAsPusher() {
    Map<String, Object> payload = EventPayloads.push("local/app", "refs/heads/main", B, null);

    assertThat(payload.get("before")).isEqualTo("0".repeat(40));
    assertThat(payload.get("created")).isEqualTo(false);
    assertThat(payload.get("head_commit")).isNull();
    assertThat(payload.get("commits")).isEqualTo(List.of());
    assertThat(payload.get("pusher"))
        .isEqualTo(Map.of("name", System.getProperty("user.name", "local"), "email", ""));
    assertThat(((Map<?, ?>) payload.get("repository")).get("default_branch")).isEqualTo("main");
  }
}
