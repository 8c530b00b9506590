package io.gantry.runner.expression;

import static io.gantry.runner.expression.TestContexts.context;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashFilesTest {

  @TempDir Path workspace;

  @BeforeEach
  void createFiles() throws IOException {
    write("package-lock.json", "{\"lockfileVersion\": 3}");
    write("app/package-lock.json", "{\"name\": \"app\"}");
    write("app/src/main.js", "console.log('hi')");
    write("lib/deep/nested/package-lock.json", "{}");
    write("lib/util.py", "print('x')");
    write(".github/workflows/ci.yml", "on: push");
  }

  private void write(String relative, String content) throws IOException {
    Path file = workspace.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private Object hash(String expression) throws ExpressionException {
    return Expressions.evaluate(expression, context(Map.of(), workspace));
  }

  /** GitHub's algorithm computed independently: sha256 over the per-file sha256 digests. */
  private String expected(String... relativePaths) throws IOException, NoSuchAlgorithmException {
    MessageDigest combined = MessageDigest.getInstance("SHA-256");
    for (String relative : relativePaths) {
      byte[] content = Files.readAllBytes(workspace.resolve(relative));
      combined.update(MessageDigest.getInstance("SHA-256").digest(content));
    }
    return HexFormat.of().formatHex(combined.digest());
  }

  @Test
  void aSingleFileHashesToTheDigestOfItsDigest() throws Exception {
    assertThat(hash("hashFiles('package-lock.json')")).isEqualTo(expected("package-lock.json"));
  }

  @Test
  void doubleStarMatchesAtAnyDepthAndFilesAreTakenInSortedPathOrder() throws Exception {
    assertThat(hash("hashFiles('**/package-lock.json')"))
        .isEqualTo(
            expected(
                "app/package-lock.json", "lib/deep/nested/package-lock.json", "package-lock.json"));
  }

  @Test
  void severalPatternsAreUnitedAndExclusionsRemoveMatches() throws Exception {
    assertThat(hash("hashFiles('**/package-lock.json', '!lib/**')"))
        .isEqualTo(expected("app/package-lock.json", "package-lock.json"));
    assertThat(hash("hashFiles('app/src/*.js', 'lib/*.py')"))
        .isEqualTo(expected("app/src/main.js", "lib/util.py"));
  }

  @Test
  void aLaterPatternCanIncludeAgainWhatAnEarlierExclusionRemoved() throws Exception {
    assertThat(hash("hashFiles('**/package-lock.json', '!lib/**', 'lib/deep/**/*.json')"))
        .isEqualTo(
            expected(
                "app/package-lock.json", "lib/deep/nested/package-lock.json", "package-lock.json"));
  }

  @Test
  void aFolderPatternMatchesEverythingBelowIt() throws Exception {
    assertThat(hash("hashFiles('app')"))
        .isEqualTo(expected("app/package-lock.json", "app/src/main.js"));
  }

  @Test
  void starMatchesWithinOneSegmentIncludingDotFiles() throws Exception {
    assertThat(hash("hashFiles('.github/*/*.yml')"))
        .isEqualTo(expected(".github/workflows/ci.yml"));
    assertThat(hash("hashFiles('*/workflows/ci.y?l')"))
        .isEqualTo(expected(".github/workflows/ci.yml"));
    assertThat(hash("hashFiles('*.json')")).isEqualTo(expected("package-lock.json"));
  }

  @Test
  void noMatchGivesTheEmptyString() throws ExpressionException {
    assertThat(hash("hashFiles('**/*.gradle')")).isEqualTo("");
    assertThat(hash("hashFiles('../**')")).isEqualTo("");
  }

  @Test
  void theHashChangesWhenAFileChanges() throws Exception {
    Object before = hash("hashFiles('**/*.py')");
    write("lib/util.py", "print('y')");
    assertThat(hash("hashFiles('**/*.py')"))
        .isNotEqualTo(before)
        .isEqualTo(expected("lib/util.py"));
  }

  @Test
  void hashFilesWithoutAWorkspaceIsAnError() {
    assertThatThrownBy(
            () -> Expressions.evaluate("hashFiles('**')", TestContexts.context(Map.of())))
        .isInstanceOf(ExpressionException.class)
        .hasMessage("hashFiles() is not available here (no workspace)");
  }
}
