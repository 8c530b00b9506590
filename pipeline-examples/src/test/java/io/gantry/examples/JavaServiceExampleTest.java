package io.gantry.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.cli.Gantry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's workflow, end to end through the real CLI: Maven tests and packages the example
 * service, the jar is started and answers over HTTP, and the secret stays masked.
 */
class JavaServiceExampleTest {

  @TempDir Path data;

  @Test
  void theExampleServiceIsTestedPackagedAndSmokeTestedByGantryRun() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Gantry.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "run",
            Path.of("java-service").toAbsolutePath().toString(),
            "--ref",
            "refs/heads/topic",
            "--sha",
            "feedc0de00000000000000000000000000000001",
            "--data-dir",
            data.toString(),
            "--secret",
            "DEMO_TOKEN=tok-3141592653");

    String console = out.toString();
    assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", console, err).isZero();
    assertThat(console)
        .contains(
            "health: {\"status\":\"UP\",\"version\":\"feedc0de00000000000000000000000000000001\"}")
        .contains("Hello, Gantry!")
        .contains("the token stays masked: ***")
        .contains("✓ ci · run #1: success")
        .doesNotContain("tok-3141592653");
  }

  @Test
  void anInvalidWorkflowStopsTheRunWithExitCodeTwoAndEveryProblem() throws Exception {
    Path repo = data.resolve("repo/.github/workflows");
    java.nio.file.Files.createDirectories(repo);
    java.nio.file.Files.writeString(
        repo.resolve("broken.yml"),
        "on: push\njobs:\n  a:\n    runs-on: x\n    timout-minutes: 3\n    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Gantry.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "run",
            data.resolve("repo").toString(),
            "--data-dir",
            data.resolve("data").toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains(".github/workflows/broken.yml:5:5: unknown key 'timout-minutes'")
        .contains("timeout-minutes")
        .contains(".github/workflows/broken.yml:7:")
        .contains("env:")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }
}
