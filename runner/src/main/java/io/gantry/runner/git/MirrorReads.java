package io.gantry.runner.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * Reads of a mirror's object database once it is synced: the commit a name resolves to, a folder's
 * files at a commit, the paths two commits differ in; with the per-JVM caches that make repeated
 * reads cheap (open repositories, folder contents by tree id). {@link Mirrors} decides when to
 * fetch; nothing here touches the network or the mirror's lock.
 */
final class MirrorReads {

  /** A folder's files are remembered only when they add up to at most this much. */
  private static final long CACHED_FOLDER_BYTES = 1L << 20;

  /**
   * The files of folders read by {@link #folderFiles}, by path and git tree id (content-addressed,
   * so never stale): the 64 used last.
   */
  private static final Map<String, Mirrors.FolderFiles> FOLDERS =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Mirrors.FolderFiles> eldest) {
              return size() > 64;
            }
          });

  /** The open repository of each mirror folder, see {@link #openMirror}. */
  private static final Map<Path, Repository> OPEN = new java.util.HashMap<>();

  private MirrorReads() {}

  /** See {@link Mirrors.FolderFiles}; the commit must be in {@code db}. */
  static Mirrors.FolderFiles folderFiles(
      Repository db,
      RemoteRepository repository,
      String sha,
      String folder,
      List<String> suffixes,
      long maxBytes)
      throws GitException, IOException {
    String prefix = trimSlashes(folder);
    try (RevWalk walk = new RevWalk(db)) {
      RevCommit commit = walk.parseCommit(requireCommit(db, repository, sha));
      ObjectId folderTree;
      if (prefix.isEmpty()) {
        folderTree = commit.getTree();
      } else {
        try (TreeWalk locate = TreeWalk.forPath(db, prefix, commit.getTree())) {
          if (locate == null || locate.getFileMode(0) != FileMode.TREE) {
            return new Mirrors.FolderFiles(Map.of(), Map.of());
          }
          folderTree = locate.getObjectId(0);
        }
      }
      // Most pushes leave the folder as it was: its tree id, and so its files, are the same.
      String key = prefix + '\0' + folderTree.name() + '\0' + suffixes + '\0' + maxBytes;
      Mirrors.FolderFiles known = FOLDERS.get(key);
      if (known != null) {
        return known;
      }
      Map<String, String> files = new LinkedHashMap<>();
      Map<String, Long> tooLarge = new LinkedHashMap<>();
      long total = 0;
      try (TreeWalk entries = new TreeWalk(db)) {
        entries.addTree(folderTree);
        // Not recursive: only the folder's own files, as GitHub reads .github/workflows.
        entries.setRecursive(false);
        while (entries.next()) {
          FileMode mode = entries.getFileMode(0);
          String name = entries.getPathString();
          if ((mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE)
              && (suffixes.isEmpty() || suffixes.stream().anyMatch(name::endsWith))) {
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            org.eclipse.jgit.lib.ObjectLoader loader =
                db.open(entries.getObjectId(0), Constants.OBJ_BLOB);
            if (loader.getSize() > maxBytes) {
              tooLarge.put(path, loader.getSize());
              continue;
            }
            byte[] bytes = loader.getCachedBytes(Integer.MAX_VALUE);
            total += bytes.length;
            files.put(path, new String(bytes, StandardCharsets.UTF_8));
          }
        }
      }
      Mirrors.FolderFiles result =
          new Mirrors.FolderFiles(
              java.util.Collections.unmodifiableMap(files),
              java.util.Collections.unmodifiableMap(tooLarge));
      if (total <= CACHED_FOLDER_BYTES) {
        FOLDERS.put(key, result);
      }
      return result;
    }
  }

  /**
   * The paths that differ between two commits of {@code db}; null when {@code before} is absent.
   */
  static List<String> changedPaths(
      Repository db, RemoteRepository repository, String before, String after)
      throws GitException, IOException {
    try (RevWalk walk = new RevWalk(db)) {
      RevCommit afterCommit = walk.parseCommit(requireCommit(db, repository, after));
      ObjectId beforeId = commitId(db, before);
      if (beforeId == null) {
        // A force push can leave the old commit nowhere a fetch reaches it.
        return null;
      }
      RevCommit beforeCommit = walk.parseCommit(beforeId);
      TreeSet<String> paths = new TreeSet<>();
      try (DiffFormatter diff = new DiffFormatter(DisabledOutputStream.INSTANCE)) {
        diff.setRepository(db);
        // Rename detection stays off: a rename then reads as delete + add, so both of its paths
        // are listed, which is what `on.push.paths` filters must see.
        for (DiffEntry entry : diff.scan(beforeCommit.getTree(), afterCommit.getTree())) {
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
  }

  /**
   * The mirror's repository, opened once per JVM and shared: a JGit {@link Repository} is safe for
   * concurrent readers and sees what a later fetch adds (new packs, loose objects and refs are
   * looked up again on a miss). Opening one costs a config read and the pack indexes, which a burst
   * of webhooks would otherwise pay per delivery. The caller closes what it gets, as usual; the
   * cache's own reference keeps it open.
   */
  static Repository openMirror(Path mirror) throws IOException {
    Repository db;
    synchronized (OPEN) {
      db = OPEN.get(mirror);
      if (db == null) {
        db = new FileRepositoryBuilder().setGitDir(mirror.toFile()).setMustExist(true).build();
        OPEN.put(mirror, db);
      }
      db.incrementOpen();
    }
    return db;
  }

  /** Closes and drops the cached repository of a mirror folder that was cloned again. */
  static void forget(Path mirror) {
    synchronized (OPEN) {
      Repository stale = OPEN.remove(mirror);
      if (stale != null) {
        stale.close();
      }
    }
  }

  static ObjectId requireCommit(Repository db, RemoteRepository repository, String sha)
      throws GitException, IOException {
    ObjectId id = commitId(db, sha);
    if (id == null) {
      throw new GitException(
          "commit "
              + sha
              + " is not in "
              + repository.name()
              + " (fetched from "
              + Credentials.displayUrl(repository)
              + "); check that it was pushed and not force-pushed away");
    }
    return id;
  }

  /** The commit {@code revision} names, or null when the mirror has no such commit. */
  static ObjectId commitId(Repository db, String revision) throws IOException {
    if (revision == null || revision.isBlank()) {
      return null;
    }
    if (ObjectId.isId(revision)) {
      // The usual case, a full commit id: look it up directly instead of parsing a revision
      // expression (which builds a RevWalk each time). A tag id falls through to peeling.
      ObjectId id = ObjectId.fromString(revision);
      try (org.eclipse.jgit.lib.ObjectReader reader = db.newObjectReader()) {
        if (!reader.has(id)) {
          return null;
        }
        if (reader.open(id).getType() == Constants.OBJ_COMMIT) {
          return id;
        }
      }
    }
    try {
      ObjectId id = db.resolve(revision + "^{commit}");
      return id != null && db.getObjectDatabase().has(id) ? id : null;
    } catch (org.eclipse.jgit.errors.RevisionSyntaxException
        | org.eclipse.jgit.errors.AmbiguousObjectException
        | org.eclipse.jgit.errors.IncorrectObjectTypeException
        | org.eclipse.jgit.errors.MissingObjectException e) {
      return null;
    }
  }

  static GitException readFailure(RemoteRepository repository, String what, Exception e) {
    return new GitException(
        "cannot "
            + what
            + " in the mirror of "
            + repository.name()
            + ": "
            + Credentials.mask(Credentials.rootMessage(e), repository)
            + "; delete the mirror folder to have it cloned again",
        e);
  }

  static String trimSlashes(String folder) {
    String f = folder == null ? "" : folder.replace('\\', '/');
    while (f.startsWith("/")) {
      f = f.substring(1);
    }
    while (f.endsWith("/")) {
      f = f.substring(0, f.length() - 1);
    }
    return f;
  }
}
