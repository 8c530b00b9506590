package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry run} with the real actions of the test bundles served as a {@code file://} action
 * source: setup-java finding this machine's JDK through the tool cache, the real actions/cache
 * saving in one run (its post step) and restoring in the next through the cache service {@code
 * gantry run} starts, github-script's result as an output, and a built-in pinned to a commit.
 */
class ActionsFromGitTest {

  @TempDir Path dir;
  private Path repo;
  private Path data;
  private Path home;
  private String source;
  private StringWriter out;
  private StringWriter err;

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo/.github/workflows")).getParent().getParent();
    data = dir.resolve("data");
    home = Files.createDirectories(dir.resolve("home"));
    source = ActionRepos.serve(dir.resolve("source"));
  }

  private int run(String... extra) {
    out = new StringWriter();
    err = new StringWriter();
    String[] base = {
      "run",
      repo.toString(),
      "--data-dir",
      data.toString(),
      "--action-source",
      source,
      "--repo",
      "acme/web",
      "-e",
      "HOME=" + home
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private String output() {
    return out + "\n" + err;
  }

  @Test
  void setupJavaFindsThisMachinesJdkAndMavenRunsOnIt() throws Exception {
    Files.writeString(
        repo.resolve(".github/workflows/ci.yml"),
        """
        name: ci
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v5
              - id: java
                uses: actions/setup-java@v5
                with:
                  distribution: temurin
                  java-version: '17'
              - run: mvn -v
              - run: echo "repo=${{ github.repository }} owner=${{ github.repository_owner }}"
        """);
    assertThat(run()).as(output()).isZero();
    assertThat(output())
        .contains("Java 17")
        .containsPattern("Java version: 17\\.")
        .contains("repo=acme/web owner=acme");
  }

  @Test
  void theRealCacheActionSavesInOneRunAndRestoresInTheNext() throws Exception {
    Files.writeString(
        repo.resolve(".github/workflows/ci.yml"),
        """
        name: ci
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: cache
                uses: actions/cache@v4
                with:
                  path: ~/deps
                  key: deps-${{ runner.os }}-1
              - run: echo "hit=[${{ steps.cache.outputs.cache-hit }}]"
              - if: steps.cache.outputs.cache-hit != 'true'
                run: mkdir -p ~/deps && echo "built once" > ~/deps/file.txt
              - run: cat ~/deps/file.txt
        """);
    assertThat(run()).as(output()).isZero();
    assertThat(output())
        .contains("hit=[]")
        .contains("Post Run actions/cache@v4")
        .contains("Cache saved");

    Files.delete(home.resolve("deps/file.txt"));
    assertThat(run()).as(output()).isZero();
    assertThat(output())
        .contains("hit=[true]")
        .contains("built once")
        .contains("Cache restored from key: deps-Linux-1");
  }

  @Test
  void githubScriptSetsAnOutputAndAPinnedBuiltInRunsWithANote() throws Exception {
    Files.writeString(
        repo.resolve(".github/workflows/ci.yml"),
        """
        name: ci
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
              - uses: actions/checkout@v4.2.2
              - id: script
                uses: actions/github-script@v7
                with:
                  result-encoding: string
                  script: |
                    core.setOutput('greeting', 'hi');
                    return context.repo.owner + '/' + context.repo.repo;
              - run: echo "result=${{ steps.script.outputs.result }} ${{ steps.script.outputs.greeting }}"
        """);
    assertThat(run()).as(output()).isZero();
    assertThat(output())
        .contains("result=acme/web hi")
        .contains("is pinned to commit 11bd71901bbe");
  }

  @Test
  void anInvalidFileIsAWarningAndTheValidOnesStillRun() throws Exception {
    Files.writeString(
        repo.resolve(".github/workflows/ci.yml"),
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ran-the-valid-one\n");
    Files.writeString(
        repo.resolve(".github/workflows/broken.yml"),
        "on: pull_request\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ nope.x }}\n");
    assertThat(run()).as(output()).isZero();
    assertThat(output())
        .contains("ran-the-valid-one")
        .contains("warning: .github/workflows/broken.yml is invalid");
    assertThat(run("--strict")).isEqualTo(2);
  }
}
