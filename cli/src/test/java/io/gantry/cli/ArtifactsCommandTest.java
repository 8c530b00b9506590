package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry run} of a workflow whose first job uploads an artifact and whose second downloads
 * it (jobs in workspaces of their own), then {@code gantry artifacts} listing the run's artifacts
 * and saving one as a zip, on the local data directory.
 */
class ArtifactsCommandTest {

  private static final String WORKFLOW =
      """
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p target && echo "the jar" > target/app.jar && echo log > target/build.log
      - uses: actions/upload-artifact@v4
        with:
          name: app
          path: target/*.jar
  verify:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with: { name: app }
      - run: test "$(cat app.jar)" = "the jar" && ! test -e build.log && echo "got the jar"
""";

  @TempDir Path dir;
  private Path repo;
  private Path data;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void repository() throws Exception {
    repo = dir.resolve("repo");
    data = dir.resolve("data");
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(repo.resolve(".github/workflows/ci.yml"), WORKFLOW);
  }

  private int gantry(String... args) {
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void anArtifactOfOneJobReachesTheNextAndIsListedAndSaved() throws Exception {
    assertThat(gantry("run", repo.toString(), "--data-dir", data.toString()))
        .as(out + "\n" + err)
        .isZero();
    assertThat(out.toString()).contains("got the jar");

    out.getBuffer().setLength(0);
    assertThat(gantry("artifacts", "1", "--local", "--data-dir", data.toString()))
        .as(err.toString())
        .isZero();
    String[] lines = out.toString().split("\n");
    assertThat(lines[0]).startsWith("NAME").contains("BYTES").contains("DIGEST");
    assertThat(lines[1]).startsWith("app ").contains(" 1 ").contains(" build ").contains("sha256:");

    out.getBuffer().setLength(0);
    Path saved = Files.createDirectories(dir.resolve("saved"));
    assertThat(
            gantry(
                "artifacts",
                "1",
                "--local",
                "--data-dir",
                data.toString(),
                "--download",
                "app",
                "--dir",
                saved.toString()))
        .as(err.toString())
        .isZero();
    Path zip = saved.resolve("app.zip");
    assertThat(out.toString()).startsWith("saved " + zip + " (");
    Map<String, String> entries = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertThat(entries).containsExactly(Map.entry("app.jar", "the jar\n"));
  }

  @Test
  void badInputIsOneLine() throws Exception {
    assertThat(gantry("run", repo.toString(), "--data-dir", data.toString())).isZero();
    err.getBuffer().setLength(0);

    assertThat(
            gantry("artifacts", "1", "--local", "--data-dir", data.toString(), "--download", "a/b"))
        .isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            "gantry artifacts: --download: the artifact name 'a/b' contains a forward slash")
        .hasLineCount(1);
    err.getBuffer().setLength(0);
    assertThat(
            gantry(
                "artifacts",
                "1",
                "--local",
                "--data-dir",
                data.toString(),
                "--download",
                "nope",
                "--dir",
                dir.toString()))
        .isEqualTo(1);
    assertThat(err.toString()).isEqualTo("gantry artifacts: run 1 has no artifact named 'nope'\n");
    err.getBuffer().setLength(0);
    assertThat(gantry("artifacts", "42", "--local", "--data-dir", data.toString())).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("gantry artifacts: no run 42 in " + data + "\n");
  }
}
