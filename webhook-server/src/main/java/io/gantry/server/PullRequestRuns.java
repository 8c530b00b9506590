package io.gantry.server;

import io.gantry.runner.git.GitException;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.PullMerges;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.trigger.TriggerMatcher;
import io.gantry.runner.workflow.EventTrigger;
import io.gantry.runner.workflow.Workflow;
import io.gantry.server.RunQueue.Head;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.WebhookEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a pull request into runs, as GitHub does. For {@code pull_request}: the head's commit is
 * brought into the base's mirror (from the fork when it is not there), merged into the base
 * branch's latest commit ({@link PullMerges}), and each workflow of that merge commit whose {@code
 * on.pull_request} matches runs on it, with {@code GITHUB_REF=refs/pull/N/merge} and {@code
 * GITHUB_SHA} the merge; a head that does not merge fails those workflows' runs with the files in
 * conflict. For {@code pull_request_target}: the workflows of the base branch's latest commit run
 * there, in the base's context ({@code refs/heads/BASE}), whatever the merge. A {@code closed} pull
 * request is not merged again: its runs are on the forge's merge commit when it was merged and is
 * known, else on the base's latest commit. The commit statuses of all of them go on the head's
 * commit (see {@code GantryServer#statusSha}); a fork's {@code pull_request} runs get no secrets
 * ({@code GantryServer#request}).
 */
final class PullRequestRuns {

  private final RunQueue queue;
  private final Mirrors mirrors;
  private final PullMerges merges;

  PullRequestRuns(RunQueue queue, Mirrors mirrors) {
    this.queue = queue;
    this.mirrors = mirrors;
    this.merges = new PullMerges(mirrors);
  }

  /** Thrown when the head's commit cannot be had because its repository is unknown or deleted. */
  static final class HeadUnavailable extends Exception {
    private static final long serialVersionUID = 1L;

    HeadUnavailable(String message) {
      super(message);
    }
  }

  RunQueue.Created receive(
      ServerConfig.Repository repository, WebhookEvent.PullRequest pr, String deliveryId)
      throws GitException, HeadUnavailable {
    RemoteRepository base = queue.remote(repository);
    // The fork is fetched anonymously (no credential of the base goes to another repository); a
    // branch of the same repository is in the base's mirror already.
    RemoteRepository head;
    if (pr.headRepository() == null) {
      head = null;
    } else if (!pr.fromFork()) {
      head = base;
    } else if (pr.headCloneUrl() == null) {
      head = null;
    } else {
      head = new RemoteRepository(pr.headRepository(), pr.headCloneUrl(), null, null, null);
    }
    try {
      merges.bringHead(base, pr.headSha(), head, pr.headBranch());
    } catch (GitException e) {
      if (head == null) {
        throw new HeadUnavailable(e.getMessage());
      }
      throw e;
    }
    String baseSha = mirrors.resolve(base, "refs/heads/" + pr.baseBranch());
    String mergeRef = "refs/pull/" + pr.number() + "/merge";
    String who = pr.sender() == null ? "unknown" : pr.sender();
    String trigger =
        "pull request #"
            + pr.number()
            + " "
            + pr.action()
            + " by "
            + who
            + " (delivery "
            + deliveryId
            + ")";
    List<Long> runs = new ArrayList<>();
    List<String> notes = new ArrayList<>();

    // pull_request: on the test merge (or, once closed, where it ended up).
    String runSha;
    List<String> changed = null;
    PullMerges.Conflict conflict = null;
    if (pr.action().equals("closed")) {
      runSha =
          pr.merged() && pr.mergeCommitSha() != null && known(base, pr.mergeCommitSha())
              ? pr.mergeCommitSha()
              : baseSha;
    } else {
      PullMerges.Outcome outcome =
          merges.merge(
              base,
              baseSha,
              pr.headSha(),
              "Merge "
                  + pr.headSha()
                  + " into "
                  + baseSha
                  + " (pull request #"
                  + pr.number()
                  + ")");
      changed = outcome.changedPaths();
      if (outcome instanceof PullMerges.Merged merged) {
        runSha = merged.sha();
      } else {
        conflict = (PullMerges.Conflict) outcome;
        runSha = pr.headSha();
      }
    }
    for (Map.Entry<String, Workflow> w : queue.workflowsAt(repository, runSha).entrySet()) {
      String mismatch = mismatch(w.getValue(), "pull_request", pr, changed);
      if (mismatch == null || !mismatch.isEmpty()) {
        if (mismatch != null) {
          notes.add(w.getKey() + ": " + mismatch);
        }
        continue;
      }
      if (conflict != null) {
        runs.add(conflicted(repository, w, pr, baseSha, conflict, mergeRef, trigger));
        continue;
      }
      runs.add(
          queue.event(
              repository,
              w.getValue(),
              "pull_request",
              new Head(mergeRef, runSha),
              pr.payload(),
              trigger));
    }
    // pull_request_target: the base branch's workflows, in the base's context, with its secrets.
    for (Map.Entry<String, Workflow> w : queue.workflowsAt(repository, baseSha).entrySet()) {
      String mismatch = mismatch(w.getValue(), "pull_request_target", pr, changed);
      if (mismatch == null || !mismatch.isEmpty()) {
        if (mismatch != null) {
          notes.add(w.getKey() + ": " + mismatch);
        }
        continue;
      }
      runs.add(
          queue.event(
              repository,
              w.getValue(),
              "pull_request_target",
              new Head("refs/heads/" + pr.baseBranch(), baseSha),
              pr.payload(),
              trigger.replaceFirst("^pull request", "pull request (target)")));
    }
    if (runs.isEmpty() && notes.isEmpty()) {
      notes.add("no workflow runs on pull_request or pull_request_target");
    }
    return new RunQueue.Created(runs, notes);
  }

  /**
   * Null when the workflow does not run on {@code event} at all, empty when it runs on this pull
   * request, else why not.
   */
  private static String mismatch(
      Workflow workflow, String event, WebhookEvent.PullRequest pr, List<String> changed) {
    EventTrigger trigger = workflow.on().on(event);
    if (trigger == null) {
      return null;
    }
    return TriggerMatcher.pullRequestMismatch(event, trigger, pr.action(), pr.baseBranch(), changed)
        .orElse("");
  }

  private long conflicted(
      ServerConfig.Repository repository,
      Map.Entry<String, Workflow> w,
      WebhookEvent.PullRequest pr,
      String baseSha,
      PullMerges.Conflict conflict,
      String mergeRef,
      String trigger) {
    String message =
        "pull request #"
            + pr.number()
            + " does not merge: "
            + pr.headBranch()
            + " ("
            + pr.headSha().substring(0, 12)
            + ") conflicts with "
            + pr.baseBranch()
            + " ("
            + baseSha.substring(0, 12)
            + ") in "
            + String.join(", ", conflict.paths())
            + "; merge or rebase "
            + pr.baseBranch()
            + " into "
            + pr.headBranch()
            + ", resolve the conflicts and push";
    return queue.failed(
        repository,
        new RunQueue.NewFailed(
            w.getKey(),
            w.getValue().name(),
            w.getValue().source(),
            "pull_request",
            mergeRef,
            pr.headSha(),
            pr.payload(),
            trigger + " (merge conflict)"),
        List.of("[" + w.getKey() + "] Error: " + message),
        message);
  }

  private boolean known(RemoteRepository base, String sha) {
    try {
      return mirrors.resolve(base, sha).equals(sha);
    } catch (GitException e) {
      return false;
    }
  }
}
