package io.gantry.server.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForgesTest {

  @Test
  void everyForgeIsFoundByItsConfigurationName() {
    assertThat(Forges.names()).containsExactly("github", "gitea", "gitlab", "git");
    for (String name : Forges.names()) {
      assertThat(Forges.byName(name).name()).isEqualTo(name);
    }
  }

  @Test
  void anUnknownForgeIsRejectedWithTheSupportedOnesListed() {
    assertThatThrownBy(() -> Forges.byName("bitbucket"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown forge 'bitbucket'; supported: github, gitea, gitlab, git");
  }

  @Test
  void headersAreFoundWhateverTheCaseAndSecretsAreHiddenWhenPrinted() {
    Headers headers =
        Headers.ofLists(
            Map.of(
                "x-gitlab-token", List.of("tok-123"),
                "Authorization", List.of("Bearer tok-456"),
                "X-Gitlab-Event", List.of("Push Hook")));

    assertThat(headers.get("X-GITLAB-TOKEN")).contains("tok-123");
    assertThat(headers.toString()).contains("Push Hook").doesNotContain("tok-123", "tok-456");
  }
}
