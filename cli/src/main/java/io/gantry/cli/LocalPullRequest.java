package io.gantry.cli;

import io.gantry.runner.git.GitException;
import io.gantry.runner.git.LocalRepository;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.PullMerges;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.trigger.PullRequestPayload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code gantry run --event pull_request --base BRANCH [--head BRANCH]}: the pull request of a
 * local branch (default: the current one) into another, merged as the server merges it ({@link
 * PullMerges}, in a mirror of DIR under the data directory), so the run checks out the same test
 * merge a forge's pull request would get.
 */
final class LocalPullRequest {

  /** The pull request's number in a local run: there is no forge to number it. */
  static final long NUMBER = 1;

  private LocalPullRequest() {}

  /** A pull request that cannot be made: the one-line reason. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /**
   * The merged pull request: run at {@code sha} on {@code ref}, checked out from {@code remote}.
   */
  record Prepared(
      String ref,
      String sha,
      RemoteRepository remote,
      Map<String, Object> payload,
      List<String> changedPaths) {}

  static Prepared prepare(Path root, String repository, String base, String head, Path data)
      throws Refused {
    String headBranch = head;
    if (headBranch == null) {
      Optional<LocalRepository.Head> current = LocalRepository.head(root);
      String ref = current.map(LocalRepository.Head::ref).orElse(null);
      if (ref == null || !ref.startsWith("refs/heads/")) {
        throw new Refused(
            "--event pull_request: "
                + root
                + " has no current branch; name the pull request's branch with --head BRANCH");
      }
      headBranch = ref.substring("refs/heads/".length());
    }
    base = base.replaceFirst("^refs/heads/", "");
    headBranch = headBranch.replaceFirst("^refs/heads/", "");
    if (base.equals(headBranch)) {
      throw new Refused(
          "--event pull_request: --base and --head are both '"
              + base
              + "'; check out (or name with --head) the branch to merge into "
              + base);
    }
    // The mirror is named after the folder, so two repositories of the same name do not share it.
    RemoteRepository local =
        new RemoteRepository(root.toString(), root.toUri().toString(), null, null, null);
    Mirrors mirrors = new Mirrors(data.resolve("git"));
    PullMerges merges = new PullMerges(mirrors);
    try {
      mirrors.sync(local);
      String baseSha = resolve(mirrors, local, base, "--base");
      String headSha = resolve(mirrors, local, headBranch, "--head");
      PullMerges.Outcome outcome =
          merges.merge(
              local,
              baseSha,
              headSha,
              "Merge " + headSha + " into " + baseSha + " (pull request of " + headBranch + ")");
      if (outcome instanceof PullMerges.Conflict conflict) {
        throw new Refused(
            headBranch
                + " does not merge into "
                + base
                + ": conflicts in "
                + String.join(", ", conflict.paths())
                + "; merge or rebase "
                + base
                + " into "
                + headBranch
                + " and resolve them");
      }
      String sha = ((PullMerges.Merged) outcome).sha();
      String user = System.getProperty("user.name", "local");
      Map<String, Object> payload =
          PullRequestPayload.of(repository, "opened", NUMBER)
              .field("title", headBranch)
              .field("merge_commit_sha", sha)
              .author(user)
              .sender(user)
              .head(headBranch, headSha, repository, local.cloneUrl())
              .base(base, baseSha, repository, local.cloneUrl())
              .repositoryField("default_branch", base)
              .toMap();
      return new Prepared(
          "refs/pull/" + NUMBER + "/merge", sha, local, payload, outcome.changedPaths());
    } catch (GitException e) {
      throw new Refused("--event pull_request: " + e.getMessage());
    }
  }

  private static String resolve(
      Mirrors mirrors, RemoteRepository local, String branch, String option) throws Refused {
    try {
      return mirrors.resolve(local, "refs/heads/" + branch);
    } catch (GitException e) {
      throw new Refused(
          option + " " + branch + ": no such branch in " + local.name() + "; commit it first");
    }
  }
}
