package io.gantry.server.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

class PostReceiveTest {

  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);
  private static final String ZEROS = "0".repeat(40);

  @Test
  void eachLineIsOneRefUpdate() throws Exception {
    String stdin = A + " " + B + " refs/heads/main\n" + ZEROS + " " + B + " refs/tags/v1\n";

    assertThat(PostReceive.parse(new StringReader(stdin)))
        .containsExactly(
            new PostReceive.RefUpdate(A, B, "refs/heads/main"),
            new PostReceive.RefUpdate(ZEROS, B, "refs/tags/v1"));
  }

  @Test
  void sha256RepositoriesAndUppercaseHexAreAccepted() throws Exception {
    String stdin = "C".repeat(64) + " " + "d".repeat(64) + " refs/heads/main";

    assertThat(PostReceive.parse(new StringReader(stdin)))
        .containsExactly(
            new PostReceive.RefUpdate("c".repeat(64), "d".repeat(64), "refs/heads/main"));
  }

  @Test
  void blankLinesAndWindowsLineEndingsAreTolerated() throws Exception {
    String stdin = "\n" + A + " " + B + " refs/heads/main\r\n\n";

    assertThat(PostReceive.parse(new StringReader(stdin))).hasSize(1);
  }

  @Test
  void aLineWithTheWrongNumberOfFieldsIsRejectedByLineNumber() {
    String stdin = A + " " + B + " refs/heads/main\n" + A + " refs/heads/main\n";

    assertThatThrownBy(() -> PostReceive.parse(new StringReader(stdin)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "post-receive line 2: expected '<old-sha> <new-sha> <ref>', got '"
                + A
                + " refs/heads/main'");
  }

  @Test
  void aShaThatIsNotFortyOrSixtyFourHexCharactersIsRejected() {
    assertThatThrownBy(() -> PostReceive.parse(new StringReader("abc " + B + " refs/heads/main")))
        .hasMessage(
            "post-receive line 1: old sha 'abc' is not a 40- or 64-character hex object id");
    assertThatThrownBy(
            () ->
                PostReceive.parse(new StringReader(A + " " + "g".repeat(40) + " refs/heads/main")))
        .hasMessageStartingWith("post-receive line 1: new sha 'gggg");
    assertThatThrownBy(
            () ->
                PostReceive.parse(new StringReader(A + " " + "b".repeat(64) + " refs/heads/main")))
        .hasMessageContaining("differ in length");
  }

  @Test
  void aRefOutsideRefsIsRejected() {
    assertThatThrownBy(() -> PostReceive.parse(new StringReader(A + " " + B + " main")))
        .hasMessage("post-receive line 1: ref 'main' does not start with refs/");
  }
}
