package io.gantry.runner.git;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * Bare mirrors of remote repositories, one per repository under a cache folder, fetched (not cloned
 * again) on later use, and checkouts of exact commits from them. Thread-safe, and safe across
 * processes sharing the cache folder.
 */
public final class Mirrors {

  /**
   * Lock per lock file, shared by every {@code Mirrors} of this JVM: a {@link FileLock} is held by
   * the process, so two threads asking the OS for it would get an OverlappingFileLockException
   * instead of waiting.
   */
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  /** When the last successful sync of each mirror began, under its lock. */
  private static final Map<Path, Long> SYNC_STARTS = new ConcurrentHashMap<>();

  /**
   * {@link #safeName} of each repository name seen (a regex and a hash otherwise, per delivery).
   */
  private static final Map<String, String> SAFE_NAMES = new ConcurrentHashMap<>();

  /**
   * The files of folders read by {@link #readFiles}, by path and git tree id (content-addressed, so
   * never stale): the 64 used last.
   */
  /** A folder's files are remembered only when they add up to at most this much. */
  private static final long CACHED_FOLDER_BYTES = 1L << 20;

  private static final Map<String, FolderFiles> FOLDERS =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, FolderFiles> eldest) {
              return size() > 64;
            }
          });

  /** The open repository of each mirror folder, see {@link #openMirror}. */
  private static final Map<Path, Repository> OPEN = new java.util.HashMap<>();

  private final Path cacheDir;

  public Mirrors(Path cacheDir) {
    this.cacheDir = cacheDir.toAbsolutePath().normalize();
  }

  /** Clones the mirror on first use, fetches every ref afterwards; returns its folder. */
  public Path sync(RemoteRepository repository) throws GitException {
    Path mirror = mirrorDir(repository);
    Path lockFile = cacheDir.resolve(safeName(repository.name()) + ".lock");
    ReentrantLock lock = LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    long requested = System.nanoTime();
    lock.lock();
    try {
      Long lastStarted = SYNC_STARTS.get(lockFile);
      if (lastStarted != null && lastStarted - requested >= 0 && Files.isDirectory(mirror)) {
        // A sync that began after this request finished while we waited: it saw every push this
        // one would see, so a burst of webhooks costs one fetch, not one each.
        return mirror;
      }
      long started = System.nanoTime();
      Files.createDirectories(cacheDir);
      try (FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        // Another Gantry process sharing the cache waits here; closing the channel releases it.
        FileLock held = channel.lock();
        if (Files.isDirectory(mirror)) {
          fetchInto(mirror, repository);
        } else {
          cloneInto(mirror, repository);
        }
        held.release();
      }
      SYNC_STARTS.put(lockFile, started);
    } catch (IOException e) {
      throw new GitException(
          "cannot update the mirror of "
              + repository.name()
              + " in "
              + mirror
              + ": "
              + Credentials.mask(String.valueOf(e.getMessage()), repository)
              + "; check that the cache folder is writable",
          e);
    } finally {
      lock.unlock();
    }
    return mirror;
  }

  /**
   * The files directly in {@code folder} (not below) at commit {@code sha}, by path relative to the
   * repository root, e.g. {@code .github/workflows/ci.yml}; empty when the folder is absent. Syncs
   * first when the commit is not in the mirror.
   */
  public Map<String, String> readFiles(RemoteRepository repository, String sha, String folder)
      throws GitException {
    return readFiles(repository, sha, folder, List.of(), Long.MAX_VALUE).files();
  }

  /**
   * The files of a commit's folder whose names end with one of {@code suffixes} (all when empty),
   * read only when at most {@code maxBytes}; the larger ones are listed with their sizes and not
   * read, so a huge file there neither fills the memory nor makes every read fail.
   */
  public record FolderFiles(Map<String, String> files, Map<String, Long> tooLarge) {}

  /** See {@link FolderFiles}. */
  public FolderFiles readFiles(
      RemoteRepository repository, String sha, String folder, List<String> suffixes, long maxBytes)
      throws GitException {
    String prefix = trimSlashes(folder);
    try (Repository db = open(repository, sha);
        RevWalk walk = new RevWalk(db)) {
      RevCommit commit = walk.parseCommit(requireCommit(db, repository, sha));
      ObjectId folderTree;
      if (prefix.isEmpty()) {
        folderTree = commit.getTree();
      } else {
        try (TreeWalk locate = TreeWalk.forPath(db, prefix, commit.getTree())) {
          if (locate == null || locate.getFileMode(0) != FileMode.TREE) {
            return new FolderFiles(Map.of(), Map.of());
          }
          folderTree = locate.getObjectId(0);
        }
      }
      // Most pushes leave the folder as it was: its tree id, and so its files, are the same.
      String key = prefix + '\0' + folderTree.name() + '\0' + suffixes + '\0' + maxBytes;
      FolderFiles known = FOLDERS.get(key);
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
      FolderFiles result =
          new FolderFiles(
              java.util.Collections.unmodifiableMap(files),
              java.util.Collections.unmodifiableMap(tooLarge));
      if (total <= CACHED_FOLDER_BYTES) {
        FOLDERS.put(key, result);
      }
      return result;
    } catch (IOException e) {
      throw readFailure(repository, "read " + prefix + " at " + sha, e);
    }
  }

  /** The full message of a commit in the mirror (syncing first when it is not there yet). */
  public String message(RemoteRepository repository, String sha) throws GitException {
    try (Repository db = open(repository, sha);
        RevWalk walk = new RevWalk(db)) {
      return walk.parseCommit(requireCommit(db, repository, sha)).getFullMessage();
    } catch (IOException e) {
      throw readFailure(repository, "read commit " + sha, e);
    }
  }

  /**
   * The paths that differ between two commits ({@code git diff --name-only before after}), or null
   * when {@code before} is unknown (all zeros for a new branch, or absent from the mirror) and so
   * no diff can be taken.
   */
  public List<String> changedPaths(RemoteRepository repository, String before, String after)
      throws GitException {
    if (before == null || before.isBlank() || before.chars().allMatch(c -> c == '0')) {
      return null;
    }
    try (Repository db = open(repository, after, before);
        RevWalk walk = new RevWalk(db)) {
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
    } catch (IOException e) {
      throw readFailure(repository, "diff " + before + ".." + after, e);
    }
  }

  /**
   * The commit a branch, tag, full ref or commit id names in the mirror as last synced (syncing
   * when the mirror is absent or does not know the name); for {@code actions/checkout}'s {@code
   * ref} input, after a {@link #sync}.
   */
  public String resolve(RemoteRepository repository, String ref) throws GitException {
    boolean synced = false;
    if (!Files.isDirectory(mirrorDir(repository))) {
      sync(repository);
      synced = true;
    }
    String id = lookup(repository, ref);
    if (id == null && !synced) {
      sync(repository);
      id = lookup(repository, ref);
    }
    if (id == null) {
      throw new GitException(
          "'"
              + ref
              + "' is neither a branch, a tag nor a commit of "
              + repository.name()
              + " (fetched from "
              + Credentials.displayUrl(repository)
              + "); check the spelling of the ref");
    }
    return id;
  }

  /**
   * The branch the repository's HEAD names, its default branch (e.g. {@code refs/heads/main}), as
   * the mirror saw it when cloned, syncing first; empty when HEAD names no branch with a commit.
   */
  public java.util.Optional<String> defaultBranch(RemoteRepository repository) throws GitException {
    return defaultBranch(repository, java.time.Duration.ZERO);
  }

  /**
   * As {@link #defaultBranch(RemoteRepository)}, but without a fetch when this process began a sync
   * of the mirror less than {@code fresh} ago (a push's webhook just fetched): a periodic reader
   * (the schedules' pass) then neither fetches again nor holds the mirror's lock that the next
   * push's fetch waits for.
   */
  public java.util.Optional<String> defaultBranch(
      RemoteRepository repository, java.time.Duration fresh) throws GitException {
    Long lastStarted = SYNC_STARTS.get(cacheDir.resolve(safeName(repository.name()) + ".lock"));
    if (lastStarted == null
        || System.nanoTime() - lastStarted >= fresh.toNanos()
        || !Files.isDirectory(mirrorDir(repository))) {
      sync(repository);
    }
    try (Repository db = openMirror(mirrorDir(repository))) {
      Ref head = db.exactRef(Constants.HEAD);
      if (head == null || !head.isSymbolic() || head.getObjectId() == null) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(head.getTarget().getName());
    } catch (IOException e) {
      throw readFailure(repository, "read HEAD", e);
    }
  }

  private String lookup(RemoteRepository repository, String ref) throws GitException {
    try (Repository db = openMirror(mirrorDir(repository))) {
      // Branches before tags before anything else, as actions/checkout tries them.
      List<String> candidates =
          ref.startsWith("refs/")
              ? List.of(ref)
              : List.of(Constants.R_HEADS + ref, Constants.R_TAGS + ref, ref);
      for (String candidate : candidates) {
        ObjectId id = commitId(db, candidate);
        if (id != null) {
          return id.name();
        }
      }
      return null;
    } catch (IOException e) {
      throw readFailure(repository, "resolve " + ref, e);
    }
  }

  /**
   * Checks out {@code sha} into {@code target} (created or emptied) as a working tree with its own
   * {@code .git}, from the mirror; {@code depth} > 0 limits history as {@code fetch-depth} does, 0
   * means all history.
   */
  public void checkout(RemoteRepository repository, String sha, Path target, int depth)
      throws GitException {
    Path mirror;
    ObjectId commit;
    try (Repository db = open(repository, sha)) {
      commit = requireCommit(db, repository, sha);
      mirror = db.getDirectory().toPath();
    } catch (IOException e) {
      throw readFailure(repository, "read " + sha, e);
    }
    try {
      Folders.empty(target);
      try (Git git = Git.init().setDirectory(target.toFile()).call()) {
        // Fetching the commit itself (not the branches) gets an exact old commit even when it is
        // shallow and no longer a branch tip; the mirror allows any commit id in a want.
        FetchCommand fetch =
            git.fetch().setRemote(mirror.toString()).setRefSpecs(new RefSpec(commit.name()));
        if (depth > 0) {
          fetch.setDepth(depth);
        }
        fetch.call();
        Repository db = git.getRepository();
        RefUpdate head = db.updateRef(Constants.HEAD, true);
        head.setNewObjectId(commit);
        RefUpdate.Result result = head.forceUpdate();
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED) {
          throw new IOException("cannot point HEAD at " + commit.name() + ": " + result);
        }
        git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit.name()).call();
        // `origin` is the forge, as after a real clone, so later git commands in the job work;
        // its URL never carries the password.
        StoredConfig config = db.getConfig();
        config.setString("remote", "origin", "url", Credentials.displayUrl(repository));
        config.setString("remote", "origin", "fetch", "+refs/heads/*:refs/remotes/origin/*");
        config.save();
      }
    } catch (IOException | GitAPIException e) {
      throw new GitException(
          "cannot check out "
              + sha
              + " of "
              + repository.name()
              + " into "
              + target
              + ": "
              + Credentials.mask(Credentials.rootMessage(e), repository)
              + "; check that the folder is writable",
          e);
    }
  }

  /** The mirror's folder: a readable name plus a hash, so {@code a/b} and {@code a_b} differ. */
  Path mirrorDir(RemoteRepository repository) {
    return cacheDir.resolve(safeName(repository.name()) + ".git");
  }

  static String safeName(String name) {
    return SAFE_NAMES.computeIfAbsent(name, Mirrors::computeSafeName);
  }

  private static String computeSafeName(String name) {
    String readable = name.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return readable + "-" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static void cloneInto(Path mirror, RemoteRepository repository)
      throws GitException, IOException {
    MirrorTransfers.cloneInto(mirror, repository);
    synchronized (OPEN) {
      // A mirror removed by hand and cloned again is a new repository.
      Repository stale = OPEN.remove(mirror);
      if (stale != null) {
        stale.close();
      }
    }
  }

  private static void fetchInto(Path mirror, RemoteRepository repository)
      throws GitException, IOException {
    try (Repository db = openMirror(mirror)) {
      MirrorTransfers.fetchInto(db, repository);
    }
  }

  /** Opens the mirror, syncing first when it is absent or misses one of {@code commits}. */
  private Repository open(RemoteRepository repository, String... commits)
      throws GitException, IOException {
    Path mirror = mirrorDir(repository);
    boolean synced = false;
    if (!Files.isDirectory(mirror)) {
      sync(repository);
      synced = true;
    }
    Repository db = openMirror(mirror);
    for (String commit : commits) {
      if (!synced && commitId(db, commit) == null) {
        db.close();
        sync(repository);
        return openMirror(mirror);
      }
    }
    return db;
  }

  /**
   * The mirror's repository, opened once per JVM and shared: a JGit {@link Repository} is safe for
   * concurrent readers and sees what a later fetch adds (new packs, loose objects and refs are
   * looked up again on a miss). Opening one costs a config read and the pack indexes, which a burst
   * of webhooks would otherwise pay per delivery. The caller closes what it gets, as usual; the
   * cache's own reference keeps it open.
   */
  private static Repository openMirror(Path mirror) throws IOException {
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

  private static ObjectId requireCommit(Repository db, RemoteRepository repository, String sha)
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
  private static ObjectId commitId(Repository db, String revision) throws IOException {
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

  private static GitException readFailure(RemoteRepository repository, String what, Exception e) {
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

  private static String trimSlashes(String folder) {
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
