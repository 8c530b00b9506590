package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Refs and commit ids in signed payloads are checked as git would before anything uses them: a
 * properly signed delivery with a bad one is a 400 naming the field and the fault, and starts
 * nothing.
 */
class PayloadValidationTest {

  @TempDir static Path dir;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server =
        TestServer.start(
            dir,
            "name: ci\non: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo hi\n",
            "");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "refs/heads/../../etc         | contains '..'",
        "refs/heads/a\\u0000b          | control character",
        "refs/heads/a\\nb              | control character",
        "refs/heads/a\\u001bb          | control character",
        "refs/heads/with space        | contains ' '",
        "refs/heads/x.lock            | ends with '.lock'",
        "refs/heads/.hidden           | starts with '.'",
        "refs/heads/a@{1}             | contains '@{'",
        "main                         | full ref such as refs/heads/main",
      })
  void aSignedGitHubPushWithABadRefIsRejected(String jsonRef, String fault) throws Exception {
    TestServer.Answer answer = github(jsonRef, server.first, server.second);
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(answer.body()).contains("field 'ref' is not a valid git ref").contains(fault);
  }

  @ParameterizedTest
  @CsvSource({"after, main", "after, ABCDEF", "before, 1234567"})
  void aSignedPushWhoseCommitIdIsNotAFullIdIsRejected(String field, String value) throws Exception {
    TestServer.Answer answer =
        field.equals("after")
            ? github("refs/heads/main", server.first, value)
            : github("refs/heads/main", value, server.second);
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(answer.body())
        .contains("field '" + field + "' must be a full commit id (40 or 64 lowercase hex digits)");
  }

  @Test
  void gantrysOwnHookFormatIsCheckedTheSameWay() throws Exception {
    GitHookPayload payload =
        GitHookPayload.of(
            "acme/web",
            new PostReceive.RefUpdate(server.first, server.second, "refs/heads/a..b"),
            "dev");
    TestServer.Answer answer = server.deliver(payload, Map.of());
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(answer.body()).contains("contains '..'");
    TestServer.Answer runs = server.send("GET", "/api/runs", Map.of(), new byte[0]);
    assertThat(runs.body()).contains("\"runs\":[]");
  }

  private static TestServer.Answer github(String jsonRef, String before, String after)
      throws Exception {
    byte[] body =
        ("{\"ref\":\""
                + jsonRef
                + "\",\"before\":\""
                + before
                + "\",\"after\":\""
                + after
                + "\",\"repository\":{\"full_name\":\"acme/github\"},\"pusher\":{\"name\":\"dev\"}}")
            .getBytes(StandardCharsets.UTF_8);
    return server.send(
        "POST",
        "/hooks/github",
        Map.of(
            "X-GitHub-Event", "push",
            "X-Hub-Signature-256", "sha256=" + ReplayTest.hmac(body),
            "Content-Type", "application/json"),
        body);
  }
}
