package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gitea's and GitLab's pull (merge) requests from a branch of the same repository, their
 * "synchronized" / "update" pushes, path filters on the changed files, and a newer push to a pull
 * request cancelling the older run when the workflow's {@code concurrency} says so.
 */
class PullRequestForgesTest {

  private static final String WORKFLOW =
      """
      name: pr
      on:
        pull_request:
          types: [opened, synchronize]
      concurrency:
        group: pr-${{ github.event.pull_request.number }}
        cancel-in-progress: true
      jobs:
        test:
          runs-on: x
          steps:
            - uses: actions/checkout@v4
            - run: |
                echo "action=$ACTION head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF ref=$GITHUB_REF"
                echo "c=$(cat c.txt)"
                if [ -n "$KEY" ]; then echo "secret=present"; else echo "secret=none"; fi
              env:
                ACTION: ${{ github.event.action }}
                KEY: ${{ secrets.DEPLOY_KEY }}
            - if: github.event.pull_request.title == 'slow'
              run: sleep 60
      """;

  private static final String DOCS =
      """
      name: docs
      on:
        pull_request:
          paths: ['docs/**']
      jobs:
        d:
          runs-on: x
          steps:
            - run: echo docs
      """;

  @TempDir Path dir;
  private PullRequestScene scene;

  @BeforeEach
  void setUp() throws Exception {
    scene = new PullRequestScene(dir);
    scene.commitBase(
        "start",
        Map.of(
            "c.txt",
            "c\n",
            ".github/workflows/pr.yml",
            WORKFLOW,
            ".github/workflows/docs.yml",
            DOCS));
  }

  @AfterEach
  void tearDown() {
    scene.close();
  }

  @Test
  void giteaAndGitlabPullRequestsFromABranchRunOnTheMergeWithTheirSecrets() throws Exception {
    String first = scene.commitBaseBranch("topic", "topic", Map.of("c.txt", "c from topic\n"));
    scene.start();
    for (String forge : List.of("gitea", "gitlab")) {
      PullRequestScene.Pr pr = new PullRequestScene.Pr(first, "file://" + scene.base);
      pr.repository = "acme/" + forge + "-web";
      pr.headRepository = pr.repository;
      pr.headRef = "topic";
      pr.action = forge.equals("gitea") ? "opened" : "open";
      HttpResponse<String> answer =
          scene.deliver(
              forge,
              forge.equals("gitea") ? "pull_request" : "Merge Request Hook",
              scene.payload(forge, pr));

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
      assertThat(answer.body())
          .contains(".github/workflows/docs.yml: on.pull_request path filters match none");
      List<Long> runs = PullRequestScene.runs(answer);
      assertThat(runs).as(answer.body()).hasSize(1);
      Map<?, ?> run = scene.awaitCompleted(runs.get(0));
      String log = scene.log(runs.get(0));
      assertThat(run.get("conclusion")).as(log).isEqualTo("success");
      assertThat(log)
          .contains("action=opened head=topic base=main ref=refs/pull/7/merge")
          .contains("c=c from topic")
          .contains("secret=present");
    }

    String second = scene.commitBaseBranch("topic", "more", Map.of("c.txt", "c again\n"));
    for (String forge : List.of("gitea", "gitlab")) {
      PullRequestScene.Pr pr = new PullRequestScene.Pr(second, "file://" + scene.base);
      pr.repository = "acme/" + forge + "-web";
      pr.headRepository = pr.repository;
      pr.headRef = "topic";
      pr.action = forge.equals("gitea") ? "synchronized" : "update";
      pr.before = first;
      HttpResponse<String> answer =
          scene.deliver(
              forge,
              forge.equals("gitea") ? "pull_request_sync" : "Merge Request Hook",
              scene.payload(forge, pr));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
      long id = PullRequestScene.runs(answer).get(0);
      scene.awaitCompleted(id);
      assertThat(scene.log(id)).contains("action=synchronize").contains("c=c again");
    }
  }

  @Test
  void aNewerPushToThePullRequestCancelsTheRunStillGoing() throws Exception {
    String first = scene.commitBaseBranch("topic", "topic", Map.of("c.txt", "slow\n"));
    scene.start();
    PullRequestScene.Pr pr = new PullRequestScene.Pr(first, "file://" + scene.base);
    pr.headRepository = "acme/web";
    pr.headRef = "topic";
    String slow =
        scene.payload("github", pr).replace("Update the README with new information.", "slow");
    long older = PullRequestScene.runs(scene.deliver("github", "pull_request", slow)).get(0);
    long deadline = System.currentTimeMillis() + 60_000;
    while (!scene.log(older).contains("secret=present") && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(scene.run(older).get("status")).isEqualTo("IN_PROGRESS");

    String second = scene.commitBaseBranch("topic", "fix", Map.of("c.txt", "fast\n"));
    PullRequestScene.Pr sync = new PullRequestScene.Pr(second, "file://" + scene.base);
    sync.headRepository = "acme/web";
    sync.headRef = "topic";
    sync.action = "synchronize";
    sync.before = first;
    long newer =
        PullRequestScene.runs(
                scene.deliver("github", "pull_request", scene.payload("github", sync)))
            .get(0);

    // The newer run of the group asked for the older one's cancel before the delivery was answered.
    Map<?, ?> olderRun = scene.run(older);
    assertThat(olderRun.get("concurrencyGroup")).isEqualTo("pr-7");
    assertThat(olderRun.get("cancelRequested")).as(olderRun.toString()).isEqualTo(true);
    assertThat(scene.awaitCompleted(older).get("conclusion")).isEqualTo("cancelled");
    assertThat(scene.awaitCompleted(newer).get("conclusion")).isEqualTo("success");
    assertThat(scene.log(newer)).contains("c=fast");
  }
}
