package io.gantry.server.forge;

import static io.gantry.server.forge.RecordingServer.answer;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.forge.CommitStatus.State;
import io.gantry.server.forge.SendResult.Outcome;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class StatusSenderTest {

  private static final String SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
  private static final String TOKEN = "tok_Zq8vN3s3cret";
  private static final CommitStatus PENDING =
      new CommitStatus(State.PENDING, "gantry/deploy", "Queued", "http://ci.example.com/runs/7");

  private final StatusSender sender = new StatusSender();

  @Test
  void gitHubGetsItsDocumentedRequest() throws IOException {
    try (RecordingServer forge = RecordingServer.answering(answer(201, "{}"))) {
      StatusTarget target = new StatusTarget("github", forge.url(), TOKEN);

      SendResult result = sender.send(StatusRequests.build(target, "acme/web", SHA, PENDING));

      assertThat(result.outcome()).isEqualTo(Outcome.DELIVERED);
      assertThat(result.statusCode()).isEqualTo(201);
      RecordingServer.Recorded request = forge.requests().get(0);
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.rawPath()).isEqualTo("/repos/acme/web/statuses/" + SHA);
      assertThat(request.headers().get("Authorization")).contains("Bearer " + TOKEN);
      assertThat(request.headers().get("Accept")).contains("application/vnd.github+json");
      assertThat(request.headers().get("X-GitHub-Api-Version")).contains("2022-11-28");
      assertThat(request.headers().get("Content-Type")).contains("application/json");
      assertThat(request.headers().get("User-Agent")).contains("gantry");
      assertThat(request.bodyText())
          .isEqualTo(
              "{\"state\":\"pending\",\"target_url\":\"http://ci.example.com/runs/7\","
                  + "\"description\":\"Queued\",\"context\":\"gantry/deploy\"}");
    }
  }

  @Test
  void giteaGetsTheSameShapeUnderApiV1WithATokenHeader() throws IOException {
    try (RecordingServer forge = RecordingServer.answering(answer(201, "{}"))) {
      StatusTarget target = new StatusTarget("gitea", forge.url(), TOKEN);
      CommitStatus success = new CommitStatus(State.SUCCESS, "gantry/deploy", "Deployed", null);

      SendResult result = sender.send(StatusRequests.build(target, "acme/web", SHA, success));

      assertThat(result.outcome()).isEqualTo(Outcome.DELIVERED);
      RecordingServer.Recorded request = forge.requests().get(0);
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.rawPath()).isEqualTo("/api/v1/repos/acme/web/statuses/" + SHA);
      assertThat(request.headers().get("Authorization")).contains("token " + TOKEN);
      assertThat(request.headers().get("Content-Type")).contains("application/json");
      assertThat(request.bodyText())
          .isEqualTo(
              "{\"state\":\"success\",\"description\":\"Deployed\",\"context\":\"gantry/deploy\"}");
    }
  }

  @Test
  void gitLabGetsTheEncodedProjectPathAPrivateTokenAndItsStateNames() throws IOException {
    try (RecordingServer forge = RecordingServer.answering(answer(201, "{}"))) {
      StatusTarget target = new StatusTarget("gitlab", forge.url() + "/api/v4", TOKEN);
      CommitStatus failure =
          new CommitStatus(
              State.FAILURE, "gantry/deploy", "Health check failed", "http://ci/runs/8");

      SendResult result = sender.send(StatusRequests.build(target, "group/sub/web", SHA, failure));

      assertThat(result.outcome()).isEqualTo(Outcome.DELIVERED);
      RecordingServer.Recorded request = forge.requests().get(0);
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.rawPath()).isEqualTo("/api/v4/projects/group%2Fsub%2Fweb/statuses/" + SHA);
      assertThat(request.headers().get("PRIVATE-TOKEN")).contains(TOKEN);
      assertThat(request.headers().get("Authorization")).isEmpty();
      assertThat(request.headers().get("Content-Type")).contains("application/json");
      assertThat(request.bodyText())
          .isEqualTo(
              "{\"state\":\"failed\",\"name\":\"gantry/deploy\","
                  + "\"target_url\":\"http://ci/runs/8\",\"description\":\"Health check failed\"}");
    }
  }

  @Test
  void aServerErrorIsRetryableAndTheSameRequestLaterDelivers() throws IOException {
    try (RecordingServer forge =
        RecordingServer.answering(answer(201, "{}"), answer(500, "Internal Server Error"))) {
      StatusRequest request =
          StatusRequests.build(
              new StatusTarget("github", forge.url(), TOKEN), "acme/web", SHA, PENDING);

      SendResult first = sender.send(request);
      SendResult second = sender.send(request);

      assertThat(first.outcome()).isEqualTo(Outcome.RETRYABLE);
      assertThat(first.statusCode()).isEqualTo(500);
      assertThat(first.message()).contains("answered 500: Internal Server Error");
      assertThat(second.outcome()).isEqualTo(Outcome.DELIVERED);
      assertThat(forge.requests().get(1).bodyText()).isEqualTo(forge.requests().get(0).bodyText());
    }
  }

  @Test
  void rateLimitingIsRetryable() throws IOException {
    try (RecordingServer forge = RecordingServer.answering(answer(429, ""))) {
      StatusRequest request =
          StatusRequests.build(
              new StatusTarget("github", forge.url(), TOKEN), "acme/web", SHA, PENDING);

      assertThat(sender.send(request).outcome()).isEqualTo(Outcome.RETRYABLE);
    }
  }

  @Test
  void anUnprocessableRequestIsPermanent() throws IOException {
    try (RecordingServer forge =
        RecordingServer.answering(answer(422, "{\"message\":\"Validation Failed\"}"))) {
      StatusRequest request =
          StatusRequests.build(
              new StatusTarget("github", forge.url(), TOKEN), "acme/web", SHA, PENDING);

      SendResult result = sender.send(request);

      assertThat(result.outcome()).isEqualTo(Outcome.PERMANENT);
      assertThat(result.statusCode()).isEqualTo(422);
      assertThat(result.message()).contains("Validation Failed");
    }
  }

  @Test
  void aRefusedConnectionIsRetryable() throws IOException {
    String url = "http://127.0.0.1:" + PostReceiveClientTest.closedPort();
    StatusRequest request =
        StatusRequests.build(new StatusTarget("gitlab", url, TOKEN), "acme/web", SHA, PENDING);

    SendResult result = sender.send(request);

    assertThat(result.outcome()).isEqualTo(Outcome.RETRYABLE);
    assertThat(result.statusCode()).isZero();
    assertThat(result.message()).startsWith("could not reach " + url);
  }

  @Test
  void theTokenIsAbsentFromEveryMessageEvenWhenTheForgeEchoesIt() throws IOException {
    String echo = "{\"message\":\"Bad credentials: Bearer " + TOKEN + "\"}";
    for (String forge : new String[] {"github", "gitea", "gitlab"}) {
      for (int status : new int[] {201, 401, 500}) {
        try (RecordingServer server = RecordingServer.answering(answer(status, echo))) {
          StatusTarget target = new StatusTarget(forge, server.url(), TOKEN);
          StatusRequest request = StatusRequests.build(target, "acme/web", SHA, PENDING);

          SendResult result = sender.send(request);

          assertThat(result.message()).contains("***").doesNotContain(TOKEN);
          assertThat(result.toString()).doesNotContain(TOKEN);
          assertThat(request.toString()).doesNotContain(TOKEN);
          assertThat(target.toString()).doesNotContain(TOKEN);
        }
      }
    }
  }

  @Test
  void aRefusedTokenSaysWhichSettingToCheck() throws IOException {
    try (RecordingServer forge = RecordingServer.answering(answer(401, ""))) {
      StatusRequest request =
          StatusRequests.build(
              new StatusTarget("github", forge.url(), TOKEN), "acme/web", SHA, PENDING);

      assertThat(sender.send(request).message()).contains("check status.token");
    }
  }
}
