package io.gantry.server.forge;

import static io.gantry.server.forge.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeliveryIdTest {

  private static final byte[] HELLO = utf8("hello");
  private static final String HELLO_SHA256 =
      "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

  @ParameterizedTest
  @CsvSource({
    "github, X-GitHub-Delivery",
    "gitea, X-Gitea-Delivery",
    "gitlab, X-Gitlab-Event-UUID"
  })
  void theForgesDeliveryHeaderIsTheDeliveryId(String forge, String header) {
    Headers headers =
        Headers.of(
            header.toLowerCase(java.util.Locale.ROOT), "72d3162e-cc78-11e3-81ab-4c9367dc0958");

    assertThat(Forges.byName(forge).deliveryId(headers, HELLO))
        .isEqualTo("72d3162e-cc78-11e3-81ab-4c9367dc0958");
  }

  @ParameterizedTest
  @CsvSource({"github", "gitea", "gitlab", "git"})
  void withoutTheHeaderTheDeliveryIdIsTheBodysHash(String forge) {
    assertThat(Forges.byName(forge).deliveryId(Headers.of(), HELLO)).isEqualTo(HELLO_SHA256);
  }

  @Test
  void gantrysOwnHookFormatIgnoresTheUnsignedHeaderAndHashesTheBody() {
    assertThat(Forges.byName("git").deliveryId(Headers.of("X-Gantry-Delivery", "made-up"), HELLO))
        .isEqualTo(HELLO_SHA256);
  }

  @Test
  void theReplayKeyIsTheSignedBodyOfOneRepositoryWhateverTheHeaders() {
    assertThat(Forges.replayKey("Acme/Web", HELLO)).isEqualTo(Forges.replayKey("acme/web", HELLO));
    assertThat(Forges.replayKey("acme/web", HELLO))
        .isNotEqualTo(Forges.replayKey("acme/api", HELLO));
    assertThat(Forges.replayKey("acme/web", HELLO))
        .isNotEqualTo(Forges.replayKey("acme/web", utf8("hello!")));
  }

  @Test
  void aBlankDeliveryHeaderFallsBackToTheBodysHash() {
    assertThat(Forges.byName("github").deliveryId(Headers.of("X-GitHub-Delivery", " "), HELLO))
        .isEqualTo(HELLO_SHA256);
  }
}
