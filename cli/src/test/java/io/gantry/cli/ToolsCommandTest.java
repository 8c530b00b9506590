package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolsCommandTest {

  @TempDir Path dir;

  @Test
  void fillsTheToolCacheFromTheGivenJdkAndListsIt() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
    int code =
        Gantry.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "tools",
            "--data-dir",
            dir.toString(),
            "--jdk",
            javaHome.toString());

    assertThat(code).as(err.toString()).isZero();
    String version =
        Runtime.version().feature()
            + "."
            + Runtime.version().interim()
            + "."
            + Runtime.version().update();
    assertThat(out.toString())
        .startsWith("RUNNER_TOOL_CACHE=" + dir.resolve("tool-cache"))
        .containsPattern(
            "Java_[A-Za-z_-]+_jdk/"
                + version.replace(".", "\\.")
                + "/"
                + io.gantry.runner.toolcache.ToolCache.arch()
                + " -> "
                + javaHome);
    assertThat(dir.resolve("tool-cache").resolve("node")).isDirectory();
  }
}
