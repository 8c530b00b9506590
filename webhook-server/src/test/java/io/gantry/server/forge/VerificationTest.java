package io.gantry.server.forge;

import static io.gantry.server.forge.Fixtures.hmac;
import static io.gantry.server.forge.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class VerificationTest {

  private static final String SECRET = "It's a Secret to Everybody";
  private static final byte[] BODY = Fixtures.github("push-with-new-branch.payload.json");

  @Nested
  class GitHub {

    private final Forge github = Forges.byName("github");

    @Test
    void aCorrectHmacOfTheRawBodyVerifies() {
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY));
      assertThat(github.verify(headers, BODY, SECRET)).isTrue();
    }

    @Test
    void githubsOwnDocumentedExampleVerifies() {
      // docs.github.com "Validating webhook deliveries": secret, payload and signature as
      // published.
      byte[] body = utf8("Hello, World!");
      Headers headers =
          Headers.of(
              "X-Hub-Signature-256",
              "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
      assertThat(github.verify(headers, body, SECRET)).isTrue();
    }

    @Test
    void headerNamesAreMatchedWhateverTheirCase() {
      Headers headers = Headers.of("x-hub-signature-256", "sha256=" + hmac(SECRET, BODY));
      assertThat(github.verify(headers, BODY, SECRET)).isTrue();
    }

    @Test
    void aSignatureMadeWithAnotherSecretFails() {
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac("guessed", BODY));
      assertThat(github.verify(headers, BODY, SECRET)).isFalse();
    }

    @Test
    void aMissingSignatureFails() {
      assertThat(github.verify(Headers.of("X-GitHub-Event", "push"), BODY, SECRET)).isFalse();
    }

    @Test
    void aSignatureWithoutTheSha256PrefixFails() {
      Headers headers = Headers.of("X-Hub-Signature-256", hmac(SECRET, BODY));
      assertThat(github.verify(headers, BODY, SECRET)).isFalse();
    }

    @Test
    void aSignatureThatIsNotHexFails() {
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + "zz".repeat(32));
      assertThat(github.verify(headers, BODY, SECRET)).isFalse();
    }

    @Test
    void aSignatureOfTheWrongLengthFails() {
      String truncated = "sha256=" + hmac(SECRET, BODY).substring(0, 62);
      String extended = "sha256=" + hmac(SECRET, BODY) + "00";
      assertThat(github.verify(Headers.of("X-Hub-Signature-256", truncated), BODY, SECRET))
          .isFalse();
      assertThat(github.verify(Headers.of("X-Hub-Signature-256", extended), BODY, SECRET))
          .isFalse();
    }

    @Test
    void theOldSha1HeaderIsNotEnough() {
      Headers headers = Headers.of("X-Hub-Signature", "sha1=" + "0".repeat(40));
      assertThat(github.verify(headers, BODY, SECRET)).isFalse();
    }

    @Test
    void aReSerializedBodyFailsBecauseTheSignatureCoversTheRawBytes() throws Exception {
      ObjectMapper mapper = new ObjectMapper();
      byte[] reserialized = mapper.writeValueAsBytes(mapper.readTree(BODY));
      assertThat(reserialized).isNotEqualTo(BODY);
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY));
      assertThat(github.verify(headers, reserialized, SECRET)).isFalse();
    }

    @Test
    void anEmptyOrMissingSecretVerifiesNothing() {
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY));
      assertThat(github.verify(headers, BODY, "")).isFalse();
      assertThat(github.verify(headers, BODY, null)).isFalse();
    }
  }

  @Nested
  class Gitea {

    private final Forge gitea = Forges.byName("gitea");

    @Test
    void aBareHexHmacVerifies() {
      Headers headers = Headers.of("X-Gitea-Signature", hmac(SECRET, BODY));
      assertThat(gitea.verify(headers, BODY, SECRET)).isTrue();
    }

    @Test
    void aForgedOrMissingSignatureFails() {
      assertThat(gitea.verify(Headers.of("X-Gitea-Signature", hmac("guess", BODY)), BODY, SECRET))
          .isFalse();
      assertThat(gitea.verify(Headers.of(), BODY, SECRET)).isFalse();
    }

    @Test
    void aPrefixedOrMalformedSignatureFails() {
      String hex = hmac(SECRET, BODY);
      assertThat(gitea.verify(Headers.of("X-Gitea-Signature", "sha256=" + hex), BODY, SECRET))
          .isFalse();
      assertThat(gitea.verify(Headers.of("X-Gitea-Signature", hex.substring(2)), BODY, SECRET))
          .isFalse();
      assertThat(
              gitea.verify(Headers.of("X-Gitea-Signature", "g" + hex.substring(1)), BODY, SECRET))
          .isFalse();
    }

    @Test
    void aGitHubStyleSignatureIsNotAcceptedInPlaceOfGiteasHeader() {
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY));
      assertThat(gitea.verify(headers, BODY, SECRET)).isFalse();
    }
  }

  @Nested
  class GitLab {

    private final Forge gitlab = Forges.byName("gitlab");

    @Test
    void theSecretTokenVerifies() {
      assertThat(gitlab.verify(Headers.of("X-Gitlab-Token", SECRET), BODY, SECRET)).isTrue();
    }

    @Test
    void anotherTokenAPrefixOfTheSecretOrNoTokenFails() {
      assertThat(gitlab.verify(Headers.of("X-Gitlab-Token", "guess"), BODY, SECRET)).isFalse();
      assertThat(gitlab.verify(Headers.of("X-Gitlab-Token", SECRET.substring(0, 5)), BODY, SECRET))
          .isFalse();
      assertThat(gitlab.verify(Headers.of("X-Gitlab-Token", SECRET + " "), BODY, SECRET)).isFalse();
      assertThat(gitlab.verify(Headers.of(), BODY, SECRET)).isFalse();
    }

    @Test
    void anEmptyTokenNeverMatchesAnEmptySecret() {
      assertThat(gitlab.verify(Headers.of("X-Gitlab-Token", ""), BODY, "")).isFalse();
    }
  }

  @Nested
  class Git {

    private final Forge git = Forges.byName("git");
    private final GitHookPayload payload =
        GitHookPayload.of(
            "acme/web",
            new PostReceive.RefUpdate("0".repeat(40), "a".repeat(40), "refs/heads/main"),
            "alice");

    @Test
    void theHooksOwnSignatureVerifies() {
      Headers headers = Headers.of(payload.headers(SECRET));
      assertThat(git.verify(headers, payload.body(), SECRET)).isTrue();
    }

    @Test
    void aTamperedBodyOrAnotherSecretFails() {
      Headers headers = Headers.of(payload.headers(SECRET));
      byte[] tampered = payload.body();
      tampered[tampered.length - 2] ^= 1;
      assertThat(git.verify(headers, tampered, SECRET)).isFalse();
      assertThat(git.verify(headers, payload.body(), "another secret")).isFalse();
    }

    @Test
    void aMissingOrUnprefixedSignatureFails() {
      String hex = hmac(SECRET, payload.body());
      assertThat(git.verify(Headers.of(), payload.body(), SECRET)).isFalse();
      assertThat(git.verify(Headers.of("X-Gantry-Signature-256", hex), payload.body(), SECRET))
          .isFalse();
    }
  }

  @Nested
  class AcrossRepositories {

    private final Forge github = Forges.byName("github");

    @Test
    void everyRepositoryWhoseSecretVerifiesIsReturned() {
      Map<String, String> secrets = new LinkedHashMap<>();
      secrets.put("acme/web", SECRET);
      secrets.put("acme/api", "another secret");
      secrets.put("acme/docs", SECRET);
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY));

      assertThat(Forges.verifiedBy(github, headers, BODY, secrets))
          .containsExactlyInAnyOrder("acme/web", "acme/docs");
    }

    @Test
    void noRepositoryIsReturnedForAForgedDelivery() {
      Headers headers = Headers.of("X-Hub-Signature-256", "sha256=" + hmac("guess", BODY));
      assertThat(Forges.verifiedBy(github, headers, BODY, Map.of("acme/web", SECRET))).isEmpty();
    }
  }
}
