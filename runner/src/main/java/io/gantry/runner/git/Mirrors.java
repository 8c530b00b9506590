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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;

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
    try (Repository db = open(repository, sha)) {
      return MirrorReads.folderFiles(db, repository, sha, folder, suffixes, maxBytes);
    } catch (IOException e) {
      throw MirrorReads.readFailure(
          repository, "read " + MirrorReads.trimSlashes(folder) + " at " + sha, e);
    }
  }

  /** The full message of a commit in the mirror (syncing first when it is not there yet). */
  public String message(RemoteRepository repository, String sha) throws GitException {
    try (Repository db = open(repository, sha);
        RevWalk walk = new RevWalk(db)) {
      return walk.parseCommit(MirrorReads.requireCommit(db, repository, sha)).getFullMessage();
    } catch (IOException e) {
      throw MirrorReads.readFailure(repository, "read commit " + sha, e);
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
    try (Repository db = open(repository, after, before)) {
      return MirrorReads.changedPaths(db, repository, before, after);
    } catch (IOException e) {
      throw MirrorReads.readFailure(repository, "diff " + before + ".." + after, e);
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
    try (Repository db = MirrorReads.openMirror(mirrorDir(repository))) {
      Ref head = db.exactRef(Constants.HEAD);
      if (head == null || !head.isSymbolic() || head.getObjectId() == null) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(head.getTarget().getName());
    } catch (IOException e) {
      throw MirrorReads.readFailure(repository, "read HEAD", e);
    }
  }

  private String lookup(RemoteRepository repository, String ref) throws GitException {
    try (Repository db = MirrorReads.openMirror(mirrorDir(repository))) {
      // Branches before tags before anything else, as actions/checkout tries them.
      List<String> candidates =
          ref.startsWith("refs/")
              ? List.of(ref)
              : List.of(Constants.R_HEADS + ref, Constants.R_TAGS + ref, ref);
      for (String candidate : candidates) {
        ObjectId id = MirrorReads.commitId(db, candidate);
        if (id != null) {
          return id.name();
        }
      }
      return null;
    } catch (IOException e) {
      throw MirrorReads.readFailure(repository, "resolve " + ref, e);
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
      commit = MirrorReads.requireCommit(db, repository, sha);
      mirror = db.getDirectory().toPath();
    } catch (IOException e) {
      throw MirrorReads.readFailure(repository, "read " + sha, e);
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
    // A mirror removed by hand and cloned again is a new repository.
    MirrorReads.forget(mirror);
  }

  private static void fetchInto(Path mirror, RemoteRepository repository)
      throws GitException, IOException {
    try (Repository db = MirrorReads.openMirror(mirror)) {
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
    Repository db = MirrorReads.openMirror(mirror);
    for (String commit : commits) {
      if (!synced && MirrorReads.commitId(db, commit) == null) {
        db.close();
        sync(repository);
        return MirrorReads.openMirror(mirror);
      }
    }
    return db;
  }
}
