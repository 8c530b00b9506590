package io.gantry.server.forge;

import static io.gantry.server.forge.RecordingServer.answer;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostReceiveClientTest {

  private static final String SECRET = "hook-secret";
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);

  private final PostReceiveClient client =
      new PostReceiveClient(4, Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(40)));
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int send(String server, String stdin) {
    return client.send(
        server,
        "acme/web",
        SECRET,
        new StringReader(stdin),
        new PrintWriter(out),
        new PrintWriter(err));
  }

  @Test
  void eachRefIsPostedToHooksGitSignedSoTheServerVerifiesAndParsesIt() throws Exception {
    try (RecordingServer server =
        RecordingServer.answering(answer(202, "{\"message\":\"queued 1 run\"}"))) {
      int exit =
          send(
              server.url() + "/",
              A + " " + B + " refs/heads/main\n" + A + " " + B + " refs/tags/v1\n");

      assertThat(exit).isZero();
      assertThat(server.requests()).hasSize(2);
      RecordingServer.Recorded request = server.requests().get(0);
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.rawPath()).isEqualTo("/hooks/git");
      assertThat(request.headers().get("Content-Type")).contains("application/json");
      assertThat(request.headers().get("X-Gantry-Event")).contains("push");
      assertThat(request.headers().get("X-Gantry-Delivery"))
          .contains("sha256:" + Signatures.sha256Hex(request.body()));

      Forge git = Forges.byName("git");
      assertThat(git.verify(request.headers(), request.body(), SECRET)).isTrue();
      WebhookEvent.Push push = (WebhookEvent.Push) git.parse(request.headers(), request.body());
      assertThat(push.repository()).isEqualTo("acme/web");
      assertThat(push.ref()).isEqualTo("refs/heads/main");
      assertThat(push.before()).isEqualTo(A);
      assertThat(push.after()).isEqualTo(B);
      assertThat(request.bodyText())
          .startsWith(
              "{\"repository\":\"acme/web\",\"ref\":\"refs/heads/main\",\"before\":\""
                  + A
                  + "\",\"after\":\""
                  + B
                  + "\",\"pusher\":");
      assertThat(out.toString())
          .contains("gantry: refs/heads/main: accepted (202): queued 1 run")
          .contains("gantry: refs/tags/v1: accepted (202)");
      assertThat(err.toString()).isEmpty();
    }
  }

  @Test
  void aServerErrorIsRetriedWithTheSameDeliveryUntilAccepted() throws Exception {
    try (RecordingServer server =
        RecordingServer.answering(answer(202, ""), answer(500, "database busy"))) {
      int exit = send(server.url(), A + " " + B + " refs/heads/main\n");

      assertThat(exit).isZero();
      List<RecordingServer.Recorded> requests = server.requests();
      assertThat(requests).hasSize(2);
      assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
      assertThat(requests.get(1).headers().get("X-Gantry-Delivery"))
          .isEqualTo(requests.get(0).headers().get("X-Gantry-Delivery"));
    }
  }

  @Test
  void retriesAreBoundedAndTheFailureIsReported() throws Exception {
    try (RecordingServer server = RecordingServer.answering(answer(503, "down"))) {
      int exit = send(server.url(), A + " " + B + " refs/heads/main\n");

      assertThat(exit).isEqualTo(1);
      assertThat(server.requests()).hasSize(4);
      assertThat(err.toString())
          .contains("refs/heads/main: rejected (503): down (gave up after 4 attempts)");
    }
  }

  @Test
  void aRejectionIsNotRetriedAndSaysHowToFixTheSecret() throws Exception {
    try (RecordingServer server =
        RecordingServer.answering(
            answer(401, "{\"error\":\"unauthorized\",\"message\":\"bad signature\"}"))) {
      int exit = send(server.url(), A + " " + B + " refs/heads/main\n");

      assertThat(exit).isEqualTo(1);
      assertThat(server.requests()).hasSize(1);
      assertThat(err.toString())
          .contains(
              "rejected (401): bad signature; GANTRY_HOOK_SECRET must equal the webhook-secret of"
                  + " acme/web");
    }
  }

  @Test
  void anUnreachableServerIsRetriedThenReported() throws IOException {
    int exit = send("http://127.0.0.1:" + closedPort(), A + " " + B + " refs/heads/main\n");

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .contains("could not reach http://127.0.0.1:")
        .contains("is gantry serve running there?")
        .contains("gave up after 4 attempts");
  }

  @Test
  void badInputSendsNothingAndNamesTheLine() throws Exception {
    try (RecordingServer server = RecordingServer.answering(answer(202, ""))) {
      int exit = send(server.url(), A + " " + B + " refs/heads/main\nnonsense\n");

      assertThat(exit).isEqualTo(1);
      assertThat(server.requests()).isEmpty();
      assertThat(err.toString()).contains("post-receive line 2:").contains("nothing was sent");
    }
  }

  @Test
  void aMissingSecretOrABadServerUrlIsReportedWithoutSending() {
    int noSecret =
        client.send(
            "http://127.0.0.1:1",
            "acme/web",
            "",
            new StringReader(""),
            new PrintWriter(out),
            new PrintWriter(err));
    int badUrl = send("localhost:8080", A + " " + B + " refs/heads/main\n");

    assertThat(noSecret).isEqualTo(1);
    assertThat(badUrl).isEqualTo(1);
    assertThat(err.toString())
        .contains("GANTRY_HOOK_SECRET is not set")
        .contains("must be an http:// or https:// URL");
  }

  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
