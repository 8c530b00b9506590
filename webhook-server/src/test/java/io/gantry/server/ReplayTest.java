package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.forge.GitHookPayload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A captured signed delivery sent again under a new delivery id, or none, starts nothing: on every
 * forge the signature covers the body and not the id header, so the body is what is deduplicated.
 */
class ReplayTest {

  @TempDir Path dir;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(dir, null, "");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"github", "gitea", "gitlab", "git"})
  void aSignedDeliveryReplayedWithANewOrMissingIdIsADuplicate(String forge) throws Exception {
    Signed delivery = signed(forge, "refs/heads/replayed");

    TestServer.Answer first =
        server.send("POST", "/hooks/" + forge, delivery.headers, delivery.body);
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    // The forge's id is reported; Gantry's own hook's id is always the body's hash.
    assertThat(first.body())
        .contains("\"delivery\":\"" + (forge.equals("git") ? "sha256:" : "id-1"));

    Map<String, String> newId = new LinkedHashMap<>(delivery.headers);
    newId.put(delivery.idHeader, "id-2");
    TestServer.Answer replay = server.send("POST", "/hooks/" + forge, newId, delivery.body);
    assertThat(replay.status()).as(replay.body()).isEqualTo(200);
    assertThat(replay.body()).contains("\"duplicate\":true").contains("received before");

    Map<String, String> noId = new LinkedHashMap<>(delivery.headers);
    noId.remove(delivery.idHeader);
    TestServer.Answer anonymous = server.send("POST", "/hooks/" + forge, noId, delivery.body);
    assertThat(anonymous.status()).as(anonymous.body()).isEqualTo(200);
    assertThat(anonymous.body()).contains("\"duplicate\":true");

    // Another push (another body) of the same ref is new.
    Signed other = signed(forge, "refs/heads/other");
    TestServer.Answer next = server.send("POST", "/hooks/" + forge, other.headers, other.body);
    assertThat(next.status()).as(next.body()).isEqualTo(202);
  }

  private static final class Signed {
    final Map<String, String> headers;
    final byte[] body;
    final String idHeader;

    Signed(Map<String, String> headers, byte[] body, String idHeader) {
      this.headers = headers;
      this.body = body;
      this.idHeader = idHeader;
    }
  }

  private Signed signed(String forge, String ref) throws Exception {
    String before = server.first;
    String after = server.second;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    switch (forge) {
      case "git" -> {
        GitHookPayload payload =
            GitHookPayload.of(
                "acme/web",
                new io.gantry.server.forge.PostReceive.RefUpdate(before, after, ref),
                "dev");
        headers.putAll(payload.headers(TestServer.SECRET));
        headers.put("X-Gantry-Delivery", "id-1");
        return new Signed(headers, payload.body(), "X-Gantry-Delivery");
      }
      case "gitlab" -> {
        byte[] body =
            ("{\"object_kind\":\"push\",\"ref\":\""
                    + ref
                    + "\",\"before\":\""
                    + before
                    + "\",\"after\":\""
                    + after
                    + "\",\"checkout_sha\":\""
                    + after
                    + "\",\"user_username\":\"dev\",\"project\":{\"path_with_namespace\":\"acme/gitlab\"}}")
                .getBytes(StandardCharsets.UTF_8);
        headers.put("X-Gitlab-Event", "Push Hook");
        headers.put("X-Gitlab-Token", TestServer.SECRET);
        headers.put("X-Gitlab-Event-UUID", "id-1");
        return new Signed(headers, body, "X-Gitlab-Event-UUID");
      }
      default -> {
        byte[] body =
            ("{\"ref\":\""
                    + ref
                    + "\",\"before\":\""
                    + before
                    + "\",\"after\":\""
                    + after
                    + "\",\"repository\":{\"full_name\":\"acme/"
                    + forge
                    + "\"},\"pusher\":{\"name\":\"dev\",\"login\":\"dev\"}}")
                .getBytes(StandardCharsets.UTF_8);
        String hmac = hmac(body);
        if (forge.equals("github")) {
          headers.put("X-GitHub-Event", "push");
          headers.put("X-Hub-Signature-256", "sha256=" + hmac);
          headers.put("X-GitHub-Delivery", "id-1");
          return new Signed(headers, body, "X-GitHub-Delivery");
        }
        headers.put("X-Gitea-Event", "push");
        headers.put("X-Gitea-Signature", hmac);
        headers.put("X-Gitea-Delivery", "id-1");
        return new Signed(headers, body, "X-Gitea-Delivery");
      }
    }
  }

  static String hmac(byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(TestServer.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }
}
