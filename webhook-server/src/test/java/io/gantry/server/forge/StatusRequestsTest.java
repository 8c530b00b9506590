package io.gantry.server.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.server.forge.CommitStatus.State;
import org.junit.jupiter.api.Test;

class StatusRequestsTest {

  private static final String SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
  private static final String TOKEN = "ghp_s3cretTokenValue";

  private static CommitStatus status(State state) {
    return new CommitStatus(state, "gantry/ci", "Build finished", "https://ci.example.com/runs/7");
  }

  @Test
  void gitHubEnterpriseApiRootsAreKeptAsGiven() {
    StatusTarget target = new StatusTarget("github", "https://ghe.example.com/api/v3/", TOKEN);

    assertThat(StatusRequests.build(target, "acme/web", SHA, status(State.SUCCESS)).uri())
        .hasToString("https://ghe.example.com/api/v3/repos/acme/web/statuses/" + SHA);
  }

  @Test
  void giteaAndGitLabApiPrefixesAreAddedOnlyWhenMissing() {
    CommitStatus status = status(State.SUCCESS);
    assertThat(
            StatusRequests.build(
                    new StatusTarget("gitea", "https://git.example.com", TOKEN),
                    "acme/web",
                    SHA,
                    status)
                .uri())
        .hasToString("https://git.example.com/api/v1/repos/acme/web/statuses/" + SHA);
    assertThat(
            StatusRequests.build(
                    new StatusTarget("gitea", "https://git.example.com/api/v1", TOKEN),
                    "acme/web",
                    SHA,
                    status)
                .uri())
        .hasToString("https://git.example.com/api/v1/repos/acme/web/statuses/" + SHA);
    assertThat(
            StatusRequests.build(
                    new StatusTarget("gitlab", "https://gitlab.com/api/v4", TOKEN),
                    "acme/web",
                    SHA,
                    status)
                .uri())
        .hasToString("https://gitlab.com/api/v4/projects/acme%2Fweb/statuses/" + SHA);
  }

  @Test
  void gitHubStatesAreGantrysWithCancelledReportedAsError() {
    StatusTarget target = new StatusTarget("github", "https://api.github.com", TOKEN);
    assertThat(StatusRequests.build(target, "acme/web", SHA, status(State.FAILURE)).body())
        .contains("\"state\":\"failure\"");
    assertThat(StatusRequests.build(target, "acme/web", SHA, status(State.CANCELLED)).body())
        .contains("\"state\":\"error\"");
  }

  @Test
  void gitLabGetsItsOwnStateNames() {
    StatusTarget target = new StatusTarget("gitlab", "https://gitlab.com", TOKEN);
    assertThat(StatusRequests.build(target, "a/b", SHA, status(State.FAILURE)).body())
        .contains("\"state\":\"failed\"");
    assertThat(StatusRequests.build(target, "a/b", SHA, status(State.ERROR)).body())
        .contains("\"state\":\"failed\"");
    assertThat(StatusRequests.build(target, "a/b", SHA, status(State.CANCELLED)).body())
        .contains("\"state\":\"canceled\"");
  }

  @Test
  void aLongDescriptionIsCutTo140Characters() {
    StatusTarget target = new StatusTarget("github", "https://api.github.com", TOKEN);
    CommitStatus status = new CommitStatus(State.FAILURE, "gantry/ci", "x".repeat(500), null);

    String body = StatusRequests.build(target, "acme/web", SHA, status).body();

    assertThat(body)
        .isEqualTo(
            "{\"state\":\"failure\",\"description\":\""
                + "x".repeat(139)
                + "…\",\"context\":\"gantry/ci\"}");
  }

  @Test
  void aBareGitRepositoryHasNoStatusApi() {
    StatusTarget target = new StatusTarget("git", "https://example.com", TOKEN);

    assertThatThrownBy(() -> StatusRequests.build(target, "acme/web", SHA, status(State.SUCCESS)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("forge 'git' has no commit status API");
  }

  @Test
  void aRepositoryThatIsNotOwnerSlashNameOrAShaThatIsNotHexIsRejected() {
    StatusTarget target = new StatusTarget("github", "https://api.github.com", TOKEN);

    assertThatThrownBy(() -> StatusRequests.build(target, "acme", SHA, status(State.SUCCESS)))
        .hasMessage("repository 'acme' is not owner/name");
    assertThatThrownBy(
            () -> StatusRequests.build(target, "acme/web", "main", status(State.SUCCESS)))
        .hasMessageContaining("commit sha 'main'");
  }

  @Test
  void theTokenNeverAppearsWhenATargetOrRequestIsPrinted() {
    for (String forge : new String[] {"github", "gitea", "gitlab"}) {
      StatusTarget target = new StatusTarget(forge, "https://example.com", TOKEN);
      StatusRequest request = StatusRequests.build(target, "acme/web", SHA, status(State.SUCCESS));

      assertThat(target.toString()).doesNotContain(TOKEN).contains("***");
      assertThat(request.toString()).doesNotContain(TOKEN).contains("***");
    }
  }

  @Test
  void anInvalidTargetIsRejectedWithoutQuotingTheToken() {
    assertThatThrownBy(() -> new StatusTarget("github", "api.github.com", TOKEN))
        .hasMessageContaining("must be an http:// or https:// URL");
    assertThatThrownBy(() -> new StatusTarget("github", "https://api.github.com", " "))
        .hasMessageContaining("status token is empty");
    assertThatThrownBy(
            () -> new StatusTarget("github", "https://api.github.com", TOKEN + "\r\nX: y"))
        .hasMessageContaining("line break")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
    assertThatThrownBy(() -> new StatusTarget("bitbucket", "https://api.github.com", TOKEN))
        .hasMessageContaining("unknown forge 'bitbucket'");
  }
}
