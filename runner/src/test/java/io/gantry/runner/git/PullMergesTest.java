package io.gantry.runner.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Test merges of a pull request from a fork, in real bare repositories. */
class PullMergesTest {

  @TempDir Path dir;

  @Test
  void aForkBranchIsFetchedAndMergedIntoTheBaseWithBothChangesInTheMerge() throws Exception {
    GitRepos base = GitRepos.create(Files.createDirectories(dir.resolve("base")));
    String start = base.commit("start", Map.of("a.txt", "a\n", "b.txt", "b\n"));
    base.push();
    Path fork = dir.resolve("fork.git");
    GitRepos.git(dir, "clone", "-q", "--bare", base.origin.toString(), fork.toString());
    Path forkWork = dir.resolve("fork-work");
    GitRepos.git(dir, "clone", "-q", fork.toString(), forkWork.toString());
    GitRepos.git(forkWork, "checkout", "-q", "-b", "feature");
    Files.writeString(forkWork.resolve("b.txt"), "b from the fork\n");
    GitRepos.git(forkWork, "commit", "-q", "-am", "fork change");
    GitRepos.git(forkWork, "push", "-q", "origin", "feature");
    String head = GitRepos.git(forkWork, "rev-parse", "HEAD");
    String baseTip = base.commit("base moves", Map.of("a.txt", "a on main\n"));
    base.push();

    Mirrors mirrors = new Mirrors(dir.resolve("mirrors"));
    PullMerges merges = new PullMerges(mirrors);
    RemoteRepository remote = base.remote(null);
    merges.bringHead(
        remote,
        head,
        new RemoteRepository("dev/web", fork.toUri().toString(), null, null, null),
        "feature");
    PullMerges.Outcome outcome = merges.merge(remote, baseTip, head, "Merge feature into main");

    assertThat(outcome).isInstanceOf(PullMerges.Merged.class);
    assertThat(outcome.changedPaths()).containsExactly("b.txt");
    String sha = ((PullMerges.Merged) outcome).sha();
    Path checkout = dir.resolve("checkout");
    mirrors.checkout(remote, sha, checkout, 0);
    assertThat(Files.readString(checkout.resolve("a.txt"))).isEqualTo("a on main\n");
    assertThat(Files.readString(checkout.resolve("b.txt"))).isEqualTo("b from the fork\n");
    assertThat(GitRepos.git(checkout, "log", "-1", "--format=%P")).isEqualTo(baseTip + " " + head);
    // Deterministic: the same merge again is the same commit.
    assertThat(
            ((PullMerges.Merged) merges.merge(remote, baseTip, head, "Merge feature into main"))
                .sha())
        .isEqualTo(sha);
    assertThat(start).isNotEqualTo(baseTip);
  }

  @Test
  void changesToTheSameLinesAreAConflictNamingTheFile() throws Exception {
    GitRepos base = GitRepos.create(Files.createDirectories(dir.resolve("base")));
    base.commit("start", Map.of("a.txt", "one\n"));
    base.push();
    GitRepos.git(base.work, "checkout", "-q", "-b", "feature");
    String head = base.commit("feature", Map.of("a.txt", "two\n"));
    GitRepos.git(base.work, "push", "-q", "origin", "feature");
    GitRepos.git(base.work, "checkout", "-q", "main");
    String baseTip = base.commit("main", Map.of("a.txt", "three\n"));
    base.push();

    PullMerges merges = new PullMerges(new Mirrors(dir.resolve("mirrors")));
    RemoteRepository remote = base.remote(null);
    merges.bringHead(remote, head, null, "feature");
    PullMerges.Outcome outcome = merges.merge(remote, baseTip, head, "m");

    assertThat(outcome).isInstanceOf(PullMerges.Conflict.class);
    assertThat(((PullMerges.Conflict) outcome).paths()).containsExactly("a.txt");
  }

  @Test
  void aHeadCommitNowhereToBeFoundIsAOneLineError() throws Exception {
    GitRepos base = GitRepos.create(Files.createDirectories(dir.resolve("base")));
    base.commit("start", Map.of("a.txt", "one\n"));
    base.push();
    PullMerges merges = new PullMerges(new Mirrors(dir.resolve("mirrors")));

    assertThatThrownBy(() -> merges.bringHead(base.remote(null), "1".repeat(40), null, "x"))
        .isInstanceOf(GitException.class)
        .hasMessage(
            "the head commit "
                + "1".repeat(40)
                + " is not in acme/web and the pull request's head repository is unknown or"
                + " deleted; nothing to merge");
  }
}
