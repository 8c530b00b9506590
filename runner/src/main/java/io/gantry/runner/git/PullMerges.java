package io.gantry.runner.git;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * The test merge of a pull request, made in the base repository's mirror as GitHub makes {@code
 * refs/pull/N/merge}: the head's commit is brought into the mirror (it is there already for a
 * branch of the same repository or a forge's pull ref, else fetched from the head's repository),
 * then merged into the base's commit without a working tree. The merge commit is deterministic
 * (Gantry as author and committer, at the later of the two commits' times), so the same pull
 * request at the same commits gives the same id on every server sharing a store.
 *
 * <p>The objects are written into the mirror with no ref naming them (a later sync of the mirror
 * would remove refs the forge does not have): checkouts fetch them by id, and git keeps
 * unreferenced objects for two weeks.
 */
public final class PullMerges {

  private final Mirrors mirrors;

  public PullMerges(Mirrors mirrors) {
    this.mirrors = mirrors;
  }

  /** How a test merge went. */
  public sealed interface Outcome {
    /** The files the pull request changes: from the merge base of base and head to the head. */
    List<String> changedPaths();
  }

  /** Merged cleanly: {@code sha} is the merge commit, parents base then head. */
  public record Merged(String sha, List<String> changedPaths) implements Outcome {}

  /** Head and base change the same lines: {@code paths} are the files in conflict. */
  public record Conflict(List<String> paths, List<String> changedPaths) implements Outcome {}

  /**
   * Makes sure {@code headSha} is in {@code base}'s mirror, fetching {@code headRef} from {@code
   * head} (the fork; no credentials are sent to it) when a sync of the base does not bring it.
   *
   * @param head the head's repository, or null when it is unknown or deleted
   * @throws GitException naming the head repository and commit when the commit cannot be had
   */
  public void bringHead(
      RemoteRepository base, String headSha, RemoteRepository head, String headRef)
      throws GitException {
    Path mirror = mirrors.sync(base);
    try (Repository db = open(mirror)) {
      if (has(db, headSha)) {
        return;
      }
      if (head == null) {
        throw new GitException(
            "the head commit "
                + headSha
                + " is not in "
                + base.name()
                + " and the pull request's head repository is unknown or deleted; nothing to merge");
      }
      RemoteRepository anonymous =
          new RemoteRepository(head.name(), head.cloneUrl(), null, null, null);
      try (Git git = new Git(db);
          Credentials credentials = Credentials.of(anonymous)) {
        git.fetch()
            .setRemote(head.cloneUrl())
            .setRefSpecs(
                new RefSpec(
                    "+" + Constants.R_HEADS + headRef + ":refs/gantry/pull-head-" + headSha))
            .setCredentialsProvider(credentials.provider())
            .setTransportConfigCallback(credentials::configure)
            .setTimeout(Credentials.IDLE_TIMEOUT_SECONDS)
            .call();
      } catch (GitAPIException | RuntimeException e) {
        throw Credentials.transportFailure("fetch the pull request's head from", anonymous, e);
      }
      if (!has(db, headSha)) {
        throw new GitException(
            "the head commit "
                + headSha
                + " is not on branch "
                + headRef
                + " of "
                + head.name()
                + " (fetched from "
                + Credentials.displayUrl(anonymous)
                + "); the branch moved or the commit was force-pushed away");
      }
    } catch (IOException e) {
      throw new GitException("cannot read the mirror of " + base.name() + ": " + e.getMessage(), e);
    }
  }

  /** Merges {@code headSha} into {@code baseSha} in {@code base}'s mirror (both must be there). */
  public Outcome merge(RemoteRepository base, String baseSha, String headSha, String message)
      throws GitException {
    Path mirror = mirrors.sync(base);
    try (Repository db = open(mirror);
        RevWalk walk = new RevWalk(db);
        ObjectInserter inserter = db.newObjectInserter()) {
      RevCommit baseCommit = walk.parseCommit(ObjectId.fromString(baseSha));
      RevCommit headCommit = walk.parseCommit(ObjectId.fromString(headSha));
      List<String> changed = changedPaths(db, baseCommit, headCommit);
      ResolveMerger merger = (ResolveMerger) MergeStrategy.RECURSIVE.newMerger(db, true);
      if (!merger.merge(baseCommit, headCommit)) {
        TreeSet<String> paths = new TreeSet<>(merger.getUnmergedPaths());
        if (merger.getFailingPaths() != null) {
          paths.addAll(merger.getFailingPaths().keySet());
        }
        return new Conflict(List.copyOf(paths), changed);
      }
      Instant when =
          Instant.ofEpochSecond(Math.max(baseCommit.getCommitTime(), headCommit.getCommitTime()));
      PersonIdent gantry = new PersonIdent("Gantry", "gantry@localhost", when, ZoneOffset.UTC);
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(merger.getResultTreeId());
      commit.setParentIds(baseCommit, headCommit);
      commit.setAuthor(gantry);
      commit.setCommitter(gantry);
      commit.setMessage(message);
      ObjectId id = inserter.insert(commit);
      inserter.flush();
      return new Merged(id.name(), changed);
    } catch (IOException | IllegalArgumentException e) {
      throw new GitException(
          "cannot merge "
              + headSha
              + " into "
              + baseSha
              + " in the mirror of "
              + base.name()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The files changed from the merge base of the two commits to the head, as GitHub lists them. */
  private static List<String> changedPaths(Repository db, RevCommit base, RevCommit head)
      throws IOException {
    RevCommit mergeBase;
    try (RevWalk walk = new RevWalk(db)) {
      walk.setRevFilter(RevFilter.MERGE_BASE);
      walk.markStart(walk.parseCommit(base));
      walk.markStart(walk.parseCommit(head));
      mergeBase = walk.next();
    }
    TreeSet<String> paths = new TreeSet<>();
    try (DiffFormatter diff = new DiffFormatter(DisabledOutputStream.INSTANCE);
        RevWalk walk = new RevWalk(db)) {
      diff.setRepository(db);
      RevCommit from = mergeBase == null ? null : walk.parseCommit(mergeBase);
      for (DiffEntry entry :
          diff.scan(from == null ? null : from.getTree(), walk.parseCommit(head).getTree())) {
        if (!DiffEntry.DEV_NULL.equals(entry.getOldPath())) {
          paths.add(entry.getOldPath());
        }
        if (!DiffEntry.DEV_NULL.equals(entry.getNewPath())) {
          paths.add(entry.getNewPath());
        }
      }
    }
    return new ArrayList<>(paths);
  }

  private static boolean has(Repository db, String sha) throws IOException {
    return ObjectId.isId(sha) && db.getObjectDatabase().has(ObjectId.fromString(sha));
  }

  private static Repository open(Path mirror) throws IOException {
    return new FileRepositoryBuilder().setGitDir(mirror.toFile()).setMustExist(true).build();
  }
}
