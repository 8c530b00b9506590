package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.git.GitRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gantry run --event pull_request --base main}: a local branch's pull request, merged. */
class PullRequestRunTest {

  private static final String WORKFLOW =
      """
      name: pr
      on:
        pull_request:
          branches: [main]
      jobs:
        test:
          runs-on: x
          steps:
            - uses: actions/checkout@v4
            - run: echo "ref=$GITHUB_REF head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF a=$(cat a.txt) b=$(cat b.txt)"
      """;

  @TempDir Path dir;
  private Path repo;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void repository() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    GitRepos.git(repo, "init", "-q", "-b", "main");
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(repo.resolve(".github/workflows/pr.yml"), WORKFLOW);
    Files.writeString(repo.resolve("a.txt"), "a\n");
    Files.writeString(repo.resolve("b.txt"), "b\n");
    GitRepos.git(repo, "add", "-A");
    GitRepos.git(repo, "commit", "-q", "-m", "start");
    GitRepos.git(repo, "checkout", "-q", "-b", "feature");
    Files.writeString(repo.resolve("b.txt"), "b on feature\n");
    GitRepos.git(repo, "commit", "-q", "-am", "feature");
    GitRepos.git(repo, "checkout", "-q", "main");
    Files.writeString(repo.resolve("a.txt"), "a on main\n");
    GitRepos.git(repo, "commit", "-q", "-am", "main moves");
  }

  private int run(String... extra) {
    String[] args = new String[extra.length + 4];
    args[0] = "run";
    args[1] = repo.toString();
    args[2] = "--data-dir";
    args[3] = dir.resolve("data").toString();
    System.arraycopy(extra, 0, args, 4, extra.length);
    return Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void aBranchIsRunAsAPullRequestIntoBaseOnTheirTestMerge() throws Exception {
    GitRepos.git(repo, "checkout", "-q", "feature");

    assertThat(run("--event", "pull_request", "--base", "main")).as(err + "\n" + out).isZero();
    assertThat(out.toString())
        .contains("ref=refs/pull/1/merge head=feature base=main a=a on main b=b on feature");
  }

  @Test
  void headNamesTheBranchAndAConflictFailsWithTheFiles() throws Exception {
    GitRepos.git(repo, "checkout", "-q", "-b", "clash", "main~1");
    Files.writeString(repo.resolve("a.txt"), "a on clash\n");
    GitRepos.git(repo, "commit", "-q", "-am", "clash");
    GitRepos.git(repo, "checkout", "-q", "main");

    assertThat(run("--event", "pull_request", "--base", "main", "--head", "feature"))
        .as(err.toString())
        .isZero();
    assertThat(run("--event", "pull_request", "--base", "main", "--head", "clash")).isEqualTo(1);
    assertThat(err.toString())
        .contains(
            "gantry run: clash does not merge into main: conflicts in a.txt; merge or rebase main"
                + " into clash and resolve them");
  }

  @Test
  void withoutBaseOrWithAnUnknownBranchItSaysWhatToGive() throws Exception {
    assertThat(run("--event", "pull_request")).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "gantry run: --event pull_request needs --base BRANCH, the branch it merges into");
    assertThat(run("--event", "pull_request", "--base", "main", "--head", "nope")).isEqualTo(1);
    assertThat(err.toString()).contains("gantry run: --head nope: no such branch in ");
    assertThat(run("--base", "main")).isEqualTo(2);
    assertThat(err.toString())
        .contains("gantry run: --base and --head are for --event pull_request only");
  }
}
