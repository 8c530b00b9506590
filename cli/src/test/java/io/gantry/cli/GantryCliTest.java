package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, live output. */
class GantryCliTest {

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
  }

  private void workflow(String name, String text) throws Exception {
    Files.writeString(repo.resolve(".github/workflows/" + name), text);
  }

  private int gantry(String... args) {
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private int run(String... extra) {
    String[] args = new String[extra.length + 4];
    args[0] = "run";
    args[1] = repo.toString();
    args[2] = "--data-dir";
    args[3] = data.toString();
    System.arraycopy(extra, 0, args, 4, extra.length);
    return gantry(args);
  }

  @Test
  void aSucceedingRunExitsZeroAndPrintsJobStepAndSummary() throws Exception {
    workflow(
        "ci.yml",
        "name: ci\non: push\njobs:\n  build:\n    runs-on: x\n    steps:\n"
            + "      - name: greet\n        run: echo \"hello from $GITHUB_JOB\"\n");
    assertThat(run()).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("▶ ci · run #1")
        .contains("[build]   hello from build")
        .contains("[build] ✓ greet (")
        .contains("✓ ci · run #1: success")
        .contains("JOB / STEP");
  }

  @Test
  void aRunStartsByRemovingTheStepFilesAndWorkspacesOfDeadRuns() throws Exception {
    workflow(
        "ci.yml", "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    // What a killed `gantry run` left: a step's script with its secret, a workspace.
    Path script = data.resolve("tmp/777/_steps/build/1.script.sh");
    Path workspace = data.resolve("workspaces/777/build/file");
    for (Path file : new Path[] {script, workspace}) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, "echo left-over-secret\n");
    }

    assertThat(run()).as(err.toString()).isZero();
    assertThat(data.resolve("tmp/777")).doesNotExist();
    assertThat(data.resolve("workspaces/777")).doesNotExist();
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
  }

  @Test
  void theRunIsTitledWithItsEvaluatedRunName() throws Exception {
    workflow(
        "ci.yml",
        "name: ci\nrun-name: deploy ${{ github.ref_name }} by ${{ github.actor }}\non: push\n"
            + "jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    assertThat(run("--ref", "release/2")).isZero();
    assertThat(out.toString())
        .contains("▶ deploy release/2 by " + System.getProperty("user.name") + " · run #1");
  }

  @Test
  void aFailingRunExitsOneAndTheSummaryNamesTheFailure() throws Exception {
    workflow(
        "ci.yml", "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: exit 4\n");
    assertThat(run()).isEqualTo(1);
    assertThat(out.toString()).contains("Process completed with exit code 4.").contains("failure");
  }

  @Test
  void runNumbersGrowAcrossInvocationsSharingADataDirectory() throws Exception {
    workflow(
        "ci.yml",
        "name: ci\non: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    assertThat(run()).isZero();
    assertThat(run()).isZero();
    assertThat(out.toString()).contains("ci · run #1").contains("ci · run #2");
  }

  @Test
  void anInvalidWorkflowExitsTwoWithEveryProblemAndNoStackTrace() throws Exception {
    workflow(
        "ci.yml",
        "on: push\njobs:\n  a:\n    needs: b\n    runs-on: x\n    steps:\n      - uses: actions/chekout@v4\n"
            + "  b:\n    needs: a\n    runs-on: x\n    steps:\n      - run: echo ${{ nope.x }}\n");
    assertThat(run()).isEqualTo(2);
    String errors = err.toString();
    assertThat(errors)
        .contains(".github/workflows/ci.yml:7:")
        .contains("actions/checkout")
        .contains("a -> b -> a")
        .contains(".github/workflows/ci.yml:12:")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void validateReportsValidFilesAndExitsZero() throws Exception {
    workflow("ci.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    assertThat(gantry("validate", repo.toString())).isZero();
    assertThat(out.toString()).contains(".github/workflows/ci.yml: valid (1 jobs)");
  }

  @Test
  void validateOfAMissingPathIsOneLineAndExitsTwo() {
    assertThat(gantry("validate", dir.resolve("nope").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("does not exist").doesNotContain("Exception");
  }

  @Test
  void aMissingSecretsFileIsOneLineAndExitsTwo() throws Exception {
    workflow("ci.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    assertThat(run("--secrets-file", dir.resolve("absent.env").toString())).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo(
            "gantry: cannot read secrets file "
                + dir.resolve("absent.env")
                + ": no such file; check the path and its permissions");
  }

  @Test
  void aMissingDirectoryIsOneLineAndExitsTwo() {
    assertThat(gantry("run", dir.resolve("absent").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("is not a directory");
  }

  @Test
  void secretsFromFileAndOptionAreMaskedInTheOutput() throws Exception {
    workflow(
        "ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
            + "      - run: echo \"${{ secrets.ONE }} and ${{ secrets.TWO }}\"\n");
    Path secrets = dir.resolve(".secrets");
    Files.writeString(secrets, "ONE=first-secret-value\n");
    assertThat(run("--secrets-file", secrets.toString(), "-s", "TWO=second-secret-value")).isZero();
    assertThat(out.toString())
        .contains("*** and ***")
        .doesNotContain("first-secret-value")
        .doesNotContain("second-secret-value");
  }

  @Test
  void dispatchChecksInputsBeforeRunning() throws Exception {
    workflow(
        "deploy.yml",
        "on:\n  workflow_dispatch:\n    inputs:\n      target:\n        type: choice\n        options: [a, b]\n"
            + "        required: true\njobs:\n  d:\n    runs-on: x\n    steps:\n      - run: echo \"to ${{ inputs.target }}\"\n");
    assertThat(run("--event", "workflow_dispatch", "-i", "target=c")).isEqualTo(2);
    assertThat(err.toString()).contains("input 'target' must be one of a, b, got 'c'");
    assertThat(run("--event", "workflow_dispatch", "-i", "target=b")).isZero();
    assertThat(out.toString()).contains("to b");
  }

  @Test
  void aPushToABranchTheWorkflowIgnoresRunsNothing() throws Exception {
    workflow(
        "ci.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n");
    assertThat(run("--ref", "feature/x")).isZero();
    assertThat(out.toString()).contains("runs on push to refs/heads/feature/x; nothing to do");
  }

  @Test
  void selectingAJobRunsItAndWhatItNeedsOnly() throws Exception {
    workflow(
        "ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ran-a\n"
            + "  b:\n    needs: a\n    runs-on: x\n    steps:\n      - run: echo ran-b\n"
            + "  c:\n    runs-on: x\n    steps:\n      - run: echo ran-c\n");
    assertThat(run("-j", "b")).isZero();
    assertThat(out.toString()).contains("ran-a").contains("ran-b").doesNotContain("ran-c");
    assertThat(run("-j", "zzz")).isEqualTo(2);
    assertThat(err.toString()).contains("no workflow has a job 'zzz'");
  }

  @Test
  void everyCommandHasHelp() {
    assertThat(gantry("--help")).isZero();
    assertThat(gantry("run", "--help")).isZero();
    assertThat(gantry("validate", "--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: gantry")
        .contains("Usage: gantry run")
        .contains("Usage: gantry validate");
  }

  @Test
  void misuseOfTheCommandExitsTwo() {
    assertThat(gantry("run", "--no-such-option")).isEqualTo(2);
    assertThat(gantry("run", repo.toString(), "--event", "issues")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--event must be push, workflow_dispatch or pull_request, got 'issues'");
  }
}
