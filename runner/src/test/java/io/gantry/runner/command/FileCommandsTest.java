package io.gantry.runner.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCommandsTest {

  @TempDir Path dir;

  @Test
  void readsPlainAndHeredocPairsInOrderWithTheLastValueWinning() throws Exception {
    Path file = dir.resolve("output");
    Files.writeString(file, "a=1\nb<<EOF\nline 1\nline=2\nEOF\n\nc=x=y\na=3\nempty=\n");
    assertThat(FileCommands.readPairs(file, "GITHUB_OUTPUT"))
        .containsExactly(
            java.util.Map.entry("a", "3"),
            java.util.Map.entry("b", "line 1\nline=2"),
            java.util.Map.entry("c", "x=y"),
            java.util.Map.entry("empty", ""));
  }

  @Test
  void aLineWithoutEqualsSignIsAFormatErrorNamingTheLine() throws Exception {
    Path file = dir.resolve("env");
    Files.writeString(file, "ok=1\njust text\n");
    assertThatThrownBy(() -> FileCommands.readPairs(file, "GITHUB_ENV"))
        .hasMessage("$GITHUB_ENV line 2: expected NAME=value or NAME<<DELIMITER, got 'just text'");
  }

  @Test
  void anUnclosedHeredocIsAFormatErrorNamingTheDelimiter() throws Exception {
    Path file = dir.resolve("env");
    Files.writeString(file, "X<<END\nvalue\n");
    assertThatThrownBy(() -> FileCommands.readPairs(file, "GITHUB_ENV"))
        .hasMessageContaining("the delimiter 'END' of 'X' is never closed");
  }

  @Test
  void readsPathsOnePerLineSkippingBlanks() throws Exception {
    Path file = dir.resolve("path");
    Files.writeString(file, "/opt/a\n\n  /opt/b  \n");
    assertThat(FileCommands.readPaths(file)).isEqualTo(List.of("/opt/a", "/opt/b"));
  }

  @Test
  void aMissingFileMeansNothingWasWritten() throws Exception {
    assertThat(FileCommands.readPairs(dir.resolve("none"), "GITHUB_OUTPUT")).isEmpty();
  }
}
