package io.gantry.runner.action.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;

/**
 * Looks a pinned commit up in the action sources: the sources' tags (one {@code ls-remote} each, in
 * order) name the commit when a tag points at it; otherwise the commit's recent history is fetched
 * (bounded, {@value #HISTORY} commits, into a repository of its own next to the cache so the
 * shallow copies {@link ActionFetcher} makes are not deepened) and its nearest tagged ancestor
 * names the release, as {@code git describe} would. A source that fails or does not have the commit
 * is noted and the next one tried.
 */
final class PinLookup {

  /** One history repository is fetched into by one thread at a time (per process). */
  private static final Map<Path, Object> LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

  /** How far back a commit's history is searched for a tag. */
  static final int HISTORY = 200;

  private PinLookup() {}

  /**
   * @param urls the clone URLs of the repository, in order
   * @param history a bare repository for the histories of pinned commits (created when missing)
   */
  static PinnedCommit lookup(ActionReference reference, List<String> urls, Path history) {
    String commit = reference.ref();
    ObjectId id = ObjectId.fromString(commit);
    List<String> tried = new ArrayList<>();
    for (String url : urls) {
      Map<ObjectId, List<String>> tags;
      try {
        tags = tags(Git.lsRemoteRepository().setRemote(url).setTags(true).call());
      } catch (GitAPIException | RuntimeException e) {
        tried.add(ActionFetcher.display(url) + " (" + ActionFetcher.reason(e, url) + ")");
        continue;
      }
      String shown = ActionFetcher.display(url);
      List<String> exact = tags.get(id);
      if (exact != null) {
        return new PinnedCommit(commit, shown, exact, true, null);
      }
      try {
        PinnedCommit found = describe(commit, id, url, shown, tags, history);
        if (found != null) {
          return found;
        }
        tried.add(shown + " (commit " + commit + " not found)");
      } catch (IOException | GitAPIException | RuntimeException e) {
        // The source answered ls-remote, so a failed fetch is most likely a commit it lacks.
        tried.add(
            shown + " (commit " + commit + " not found: " + ActionFetcher.reason(e, url) + ")");
      }
    }
    return PinnedCommit.unresolved(commit, "tried " + String.join(", ", tried));
  }

  /** The commits tags point at (annotated tags peeled), each with its tags' short names. */
  private static Map<ObjectId, List<String>> tags(Collection<Ref> refs) {
    Map<ObjectId, List<String>> tags = new HashMap<>();
    for (Ref ref : refs) {
      if (!ref.getName().startsWith(Constants.R_TAGS)) {
        continue;
      }
      ObjectId target =
          ref.getPeeledObjectId() != null ? ref.getPeeledObjectId() : ref.getObjectId();
      tags.computeIfAbsent(target, k -> new ArrayList<>())
          .add(ref.getName().substring(Constants.R_TAGS.length()));
    }
    return tags;
  }

  /**
   * Fetches the commit's last {@link #HISTORY} commits from {@code url} and returns the tags of the
   * nearest tagged one; null when the source does not have the commit.
   */
  private static PinnedCommit describe(
      String commit,
      ObjectId id,
      String url,
      String shown,
      Map<ObjectId, List<String>> tags,
      Path history)
      throws IOException, GitAPIException {
    synchronized (LOCKS.computeIfAbsent(history.toAbsolutePath().normalize(), k -> new Object())) {
      Files.createDirectories(history.getParent());
      try (Repository db = FileRepositoryBuilder.create(history.toFile())) {
        if (!Files.isDirectory(history.resolve("objects"))) {
          db.create(true);
        }
        if (!has(db, id)) {
          try (Git git = new Git(db)) {
            git.fetch()
                .setRemote(url)
                .setRefSpecs(new RefSpec(commit + ":refs/gantry/" + commit))
                .setDepth(HISTORY)
                .call();
          }
          if (!has(db, id)) {
            return null;
          }
        }
        try (RevWalk walk = new RevWalk(db)) {
          walk.markStart(walk.parseCommit(id));
          int seen = 0;
          for (RevCommit c : walk) {
            List<String> names = tags.get(c.getId());
            if (names != null) {
              return new PinnedCommit(commit, shown, names, false, null);
            }
            if (++seen >= HISTORY) {
              break;
            }
          }
        } catch (MissingObjectException e) {
          // The shallow history ended: no tag within it.
        }
        return new PinnedCommit(commit, shown, List.of(), false, null);
      }
    }
  }

  private static boolean has(Repository db, ObjectId id) throws IOException {
    if (!db.getObjectDatabase().has(id)) {
      return false;
    }
    try (RevWalk walk = new RevWalk(db)) {
      walk.parseCommit(id);
      return true;
    } catch (MissingObjectException e) {
      return false;
    }
  }
}
