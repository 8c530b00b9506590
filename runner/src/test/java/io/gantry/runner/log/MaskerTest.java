package io.gantry.runner.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskerTest {

  @Test
  void masksEveryOccurrenceOfASecret() {
    Masker masker = new Masker();
    masker.add("hunter2");
    assertThat(masker.mask("pw=hunter2 and again hunter2")).isEqualTo("pw=*** and again ***");
  }

  @Test
  void masksEachLineOfAMultiLineSecretOnItsOwn() {
    Masker masker = new Masker();
    masker.add("-----BEGIN-----\nAAAA1111\n  BBBB2222  \n-----END-----");
    assertThat(masker.mask("AAAA1111")).isEqualTo("***");
    assertThat(masker.mask("x BBBB2222 y")).isEqualTo("x *** y");
    assertThat(masker.mask("-----END-----")).isEqualTo("***");
  }

  @Test
  void masksTheLongerSecretFirstSoNoPartOfItShows() {
    Masker masker = new Masker();
    masker.add("abc");
    masker.add("abcdef-long");
    assertThat(masker.mask("abcdef-long")).isEqualTo("***");
  }

  @Test
  void masksASecretInItsJsonStringFormToo() {
    Masker masker = new Masker();
    masker.add("pa\"ss\\word\nline2");
    assertThat(masker.mask("{\"value\": \"pa\\\"ss\\\\word\\nline2\"}"))
        .isEqualTo("{\"value\": \"***\"}");
    assertThat(masker.mask("pa\"ss\\word")).isEqualTo("***");
  }

  @Test
  void ignoresBlankValuesSoLogsStayReadable() {
    Masker masker = new Masker();
    masker.add(" ");
    masker.add("");
    masker.add(null);
    assertThat(masker.isEmpty()).isTrue();
    assertThat(masker.mask("a b c")).isEqualTo("a b c");
  }
}
