package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.git.GitRepos;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub pull requests from a fork, posted signed to a live server whose base and fork are real
 * bare repositories: the run checks out Gantry's test merge of the fork's head into main, with
 * GitHub's refs and no secrets; {@code pull_request_target} runs main's workflow with them; the
 * statuses go on the head's commit; a conflict fails the run saying which files.
 */
class PullRequestTest {

  private static final String PR_WORKFLOW =
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
              with: { fetch-depth: 0 }
            - run: |
                echo "ref=$GITHUB_REF sha=$GITHUB_SHA head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF"
                echo "parents=$(git log -1 --format=%P)"
                echo "a=$(cat a.txt) b=$(cat b.txt)"
                if [ -n "$KEY" ]; then echo "secret=present"; else echo "secret=none"; fi
              env:
                KEY: ${{ secrets.DEPLOY_KEY }}
                NUMBER: ${{ github.event.pull_request.number }}
      """;

  private static final String TARGET_WORKFLOW =
      """
      name: target
      on: pull_request_target
      jobs:
        t:
          runs-on: x
          steps:
            - uses: actions/checkout@v4
            - run: |
                echo "target ref=$GITHUB_REF sha=$GITHUB_SHA b=$(cat b.txt)"
                if [ -n "$KEY" ]; then echo "target secret=present"; else echo "target secret=none"; fi
              env:
                KEY: ${{ secrets.DEPLOY_KEY }}
      """;

  @TempDir Path dir;
  private PullRequestScene scene;

  @BeforeEach
  void setUp() throws Exception {
    scene = new PullRequestScene(dir);
  }

  @AfterEach
  void tearDown() {
    scene.close();
  }

  @Test
  void aForkPullRequestRunsOnTheTestMergeWithoutSecretsAndReportsOnTheHeadCommit()
      throws Exception {
    scene.commitBase(
        "start",
        Map.of(
            "a.txt",
            "a\n",
            "b.txt",
            "b\n",
            ".github/workflows/pr.yml",
            PR_WORKFLOW,
            ".github/workflows/target.yml",
            TARGET_WORKFLOW));
    scene.makeFork("feature");
    String head = scene.commitFork("feature", "fork change", Map.of("b.txt", "b from the fork\n"));
    String baseTip = scene.commitBase("main moves", Map.of("a.txt", "a on main\n"));
    scene.start();

    PullRequestScene.Pr pr = new PullRequestScene.Pr(head, "file://" + scene.fork);
    HttpResponse<String> answer =
        scene.deliver("github", "pull_request", scene.payload("github", pr));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    List<Long> runs = PullRequestScene.runs(answer);
    assertThat(runs).as(answer.body()).hasSize(2);
    Map<?, ?> prRun = scene.awaitCompleted(runs.get(0));
    Map<?, ?> targetRun = scene.awaitCompleted(runs.get(1));
    String prLog = scene.log(runs.get(0));
    assertThat(prRun.get("conclusion")).as(prLog).isEqualTo("success");
    assertThat(prRun.get("event")).isEqualTo("pull_request");
    assertThat(prRun.get("ref")).isEqualTo("refs/pull/7/merge");
    String merge = (String) prRun.get("sha");
    assertThat(merge).isNotIn(head, baseTip);
    assertThat(prLog)
        .contains("ref=refs/pull/7/merge sha=" + merge + " head=feature base=main")
        .contains("parents=" + baseTip + " " + head)
        .contains("a=a on main b=b from the fork")
        .contains("secret=none");

    String targetLog = scene.log(runs.get(1));
    assertThat(targetRun.get("conclusion")).as(targetLog).isEqualTo("success");
    assertThat(targetRun.get("event")).isEqualTo("pull_request_target");
    assertThat(targetLog)
        .contains("target ref=refs/heads/main sha=" + baseTip + " b=b\n")
        .contains("target secret=present")
        .doesNotContain("dk-0123456789");

    // Both runs' statuses are on the pull request's head commit, none on the merge or the base.
    scene.awaitStatus(head, "gantry/pr", "success");
    scene.awaitStatus(head, "gantry/target", "success");
    assertThat(scene.statuses)
        .noneMatch(s -> s.contains("/statuses/" + merge) || s.contains("/statuses/" + baseTip));
  }

  @Test
  void aHeadThatDoesNotMergeFailsTheRunNamingTheFilesAndThePendingTargetStillRuns()
      throws Exception {
    scene.commitBase(
        "start",
        Map.of(
            "a.txt",
            "one\n",
            "b.txt",
            "b\n",
            ".github/workflows/pr.yml",
            PR_WORKFLOW,
            ".github/workflows/target.yml",
            TARGET_WORKFLOW));
    scene.makeFork("feature");
    String head = scene.commitFork("feature", "fork", Map.of("a.txt", "two\n"));
    String baseTip = scene.commitBase("main", Map.of("a.txt", "three\n"));
    scene.start();

    PullRequestScene.Pr pr = new PullRequestScene.Pr(head, "file://" + scene.fork);
    HttpResponse<String> answer =
        scene.deliver("github", "pull_request", scene.payload("github", pr));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    List<Long> runs = PullRequestScene.runs(answer);
    assertThat(runs).hasSize(2);
    Map<?, ?> failed = scene.awaitCompleted(runs.get(0));
    assertThat(failed.get("conclusion"))
        .as(answer.body() + "\n" + failed + "\n" + scene.log(runs.get(0)))
        .isEqualTo("failure");
    assertThat(failed.get("sha")).isEqualTo(head);
    String expected =
        "pull request #7 does not merge: feature ("
            + head.substring(0, 12)
            + ") conflicts with main ("
            + baseTip.substring(0, 12)
            + ") in a.txt; merge or rebase main into feature, resolve the conflicts and push";
    assertThat(scene.log(runs.get(0))).contains(expected);
    List<String> onHead = scene.awaitStatus(head, "gantry/pr", "failure");
    assertThat(onHead).anyMatch(s -> s.contains("does not merge"));
    assertThat(scene.awaitCompleted(runs.get(1)).get("conclusion")).isEqualTo("success");
  }

  @Test
  void aPullRequestWhoseHeadRepositoryIsDeletedIsAcknowledgedAndRunsNothing() throws Exception {
    scene.commitBase("start", Map.of("a.txt", "a\n", ".github/workflows/pr.yml", PR_WORKFLOW));
    scene.start();
    PullRequestScene.Pr pr = new PullRequestScene.Pr("1".repeat(40), null);
    pr.headRepository = null;

    HttpResponse<String> answer =
        scene.deliver("github", "pull_request", scene.payload("github", pr));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    assertThat(PullRequestScene.runs(answer)).isEmpty();
    assertThat(answer.body())
        .contains(
            "the head commit "
                + "1".repeat(40)
                + " is not in acme/web and the pull request's head repository is unknown or"
                + " deleted; nothing to merge");
    assertThat(scene.get("/api/runs")).contains("\"runs\":[]");
  }

  @Test
  void closedAndMergedRunsOnlyWorkflowsAskingForClosedOnTheMergedCommit() throws Exception {
    String closed =
        """
        name: closed
        on:
          pull_request:
            types: [closed]
        jobs:
          c:
            runs-on: x
            steps:
              - run: echo "merged=${{ github.event.pull_request.merged }} sha=$GITHUB_SHA"
        """;
    scene.commitBase(
        "start",
        Map.of(
            "a.txt", "a\n",
            ".github/workflows/pr.yml", PR_WORKFLOW,
            ".github/workflows/closed.yml", closed));
    String head = scene.commitBaseBranch("feature", "feature", Map.of("b.txt", "b\n"));
    GitRepos.git(scene.work, "merge", "-q", "--no-ff", "-m", "merge feature", "feature");
    GitRepos.git(scene.work, "push", "-q", scene.base.toString(), "main");
    String merged = GitRepos.git(scene.work, "rev-parse", "HEAD").strip();
    scene.start();

    PullRequestScene.Pr pr = new PullRequestScene.Pr(head, "file://" + scene.base);
    pr.headRepository = "acme/web";
    pr.action = "closed";
    pr.merged = true;
    pr.mergeCommit = merged;
    HttpResponse<String> answer =
        scene.deliver("github", "pull_request", scene.payload("github", pr));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    assertThat(answer.body())
        .contains(
            ".github/workflows/pr.yml: on.pull_request runs on opened, synchronize, reopened (the"
                + " default types), not on 'closed'");
    List<Long> runs = PullRequestScene.runs(answer);
    assertThat(runs).hasSize(1);
    scene.awaitCompleted(runs.get(0));
    assertThat(scene.log(runs.get(0))).contains("merged=true sha=" + merged);
  }
}
