package io.gantry.runner.action.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ActionReferenceTest {

  @Test
  void aRepositoryActionHasOwnerRepoPathAndRef() {
    ActionReference ref = ActionReference.parse("gradle/actions/setup-gradle@v4.2.2");
    assertThat(ref.kind()).isEqualTo(ActionReference.Kind.REMOTE);
    assertThat(ref.repository()).isEqualTo("gradle/actions");
    assertThat(ref.path()).isEqualTo("setup-gradle");
    assertThat(ref.ref()).isEqualTo("v4.2.2");
    assertThat(ref.pinned()).isFalse();
    assertThat(ref).hasToString("gradle/actions/setup-gradle@v4.2.2");
  }

  @Test
  void aFortyHexRefIsAPin() {
    ActionReference ref =
        ActionReference.parse("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683");
    assertThat(ref.pinned()).isTrue();
    assertThat(ref.path()).isEmpty();
  }

  @Test
  void localAndDockerReferences() {
    ActionReference local = ActionReference.parse("./.github/actions/build/");
    assertThat(local.kind()).isEqualTo(ActionReference.Kind.LOCAL);
    assertThat(local.path()).isEqualTo(".github/actions/build");
    ActionReference docker = ActionReference.parse("docker://alpine:3.20");
    assertThat(docker.kind()).isEqualTo(ActionReference.Kind.DOCKER);
    assertThat(docker.image()).isEqualTo("alpine:3.20");
  }

  @Test
  void malformedReferencesAreOneLineErrorsNamingTheValue() {
    assertThatThrownBy(() -> ActionReference.parse("actions/checkout"))
        .hasMessage(
            "'actions/checkout' has no @REF; write OWNER/REPO[/PATH]@REF (a tag, branch or"
                + " commit)");
    assertThatThrownBy(() -> ActionReference.parse("checkout@v4"))
        .hasMessageContaining("'checkout@v4' is not OWNER/REPO[/PATH]@REF");
    assertThatThrownBy(() -> ActionReference.parse("./../outside"))
        .hasMessageContaining("leaves the workspace");
    assertThatThrownBy(() -> ActionReference.parse("docker://"))
        .hasMessageContaining("names no image");
  }
}
