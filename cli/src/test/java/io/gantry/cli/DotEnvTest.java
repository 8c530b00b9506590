package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotEnvTest {

  @TempDir Path dir;

  @Test
  void readsPlainQuotedExportedAndMultiLineValues() throws Exception {
    Path file = dir.resolve(".secrets");
    Files.writeString(
        file,
        "# comment\n"
            + "PLAIN=value # trailing comment\n"
            + "export EXPORTED=yes\n"
            + "SINGLE='lit $eral # kept'\n"
            + "DOUBLE=\"a\\tb \\\"q\\\"\"\n"
            + "KEY=\"-----BEGIN-----\n"
            + "abc\n"
            + "-----END-----\"\n"
            + "EMPTY=\n");
    assertThat(DotEnv.read(file))
        .containsExactly(
            Map.entry("PLAIN", "value"),
            Map.entry("EXPORTED", "yes"),
            Map.entry("SINGLE", "lit $eral # kept"),
            Map.entry("DOUBLE", "a\tb \"q\""),
            Map.entry("KEY", "-----BEGIN-----\nabc\n-----END-----"),
            Map.entry("EMPTY", ""));
  }

  @Test
  void aLineWithoutEqualsIsAnErrorNamingFileAndLine() throws Exception {
    Path file = dir.resolve("bad.env");
    Files.writeString(file, "A=1\nnot a pair\n");
    assertThatThrownBy(() -> DotEnv.read(file)).hasMessage(file + ":2: expected NAME=value");
  }

  @Test
  void anUnreadableFileIsOneLineNamingIt() {
    Path file = dir.resolve("missing.env");
    assertThatThrownBy(() -> DotEnv.read(file))
        .hasMessage(
            "cannot read secrets file "
                + file
                + ": no such file; check the path and its permissions");
  }

  @Test
  void anUnterminatedQuoteIsAnErrorAtTheLineItOpens() throws Exception {
    Path file = dir.resolve("open.env");
    Files.writeString(file, "A=1\nB=\"never closed\nC=3\n");
    assertThatThrownBy(() -> DotEnv.read(file)).hasMessage(file + ":2: unterminated \" quote");
  }
}
