package io.gantry.runner.action.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Fetches actions from their sources into a cache folder, one read-only copy per repository and
 * commit: {@code CACHE/OWNER/REPO/SHA/}. A 40-hex ref is used as is (no network when that commit is
 * cached); a tag or branch is resolved against the sources once per fetcher, and a fetcher lives
 * for one run, so a run sees one commit per ref however many steps use it.
 *
 * <p>Only the one commit is fetched (depth 1, by id), never a repository's other refs: GitHub
 * action repositories carry thousands of pull-request refs. Thread-safe; several processes may
 * share the cache folder (copies appear by atomic rename).
 */
public final class ActionFetcher {

  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final Path cacheDir;
  private final ActionSources sources;
  private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();
  private final Map<String, PinnedCommit> pins = new ConcurrentHashMap<>();

  /** What this fetcher (this run) already fetched and read: the copies are immutable. */
  private final Map<String, FetchedAction> fetched = new ConcurrentHashMap<>();

  /**
   * What this fetcher (this run) failed to fetch, by {@code OWNER/REPO@REF}: asked again (a job's
   * set-up for {@code pre}, then the step; a second job), the same failure comes back without
   * trying every source again, so a run reports one reason per action.
   */
  private final Map<String, ActionFetchException> failed = new ConcurrentHashMap<>();

  /** A ref resolved to a commit, and the clone URL that knew it. */
  private record Resolved(String commit, String url) {}

  /**
   * @param cacheDir the action cache, in the data directory (e.g. {@code DATA/actions})
   */
  public ActionFetcher(Path cacheDir, ActionSources sources) {
    this.cacheDir = cacheDir.toAbsolutePath().normalize();
    this.sources = sources;
  }

  /** The action a REMOTE reference names, fetched when not cached yet, with its action.yml. */
  public FetchedAction fetch(ActionReference reference) throws ActionFetchException {
    if (reference.kind() != ActionReference.Kind.REMOTE) {
      throw new IllegalArgumentException("not a repository action: " + reference);
    }
    FetchedAction known = fetched.get(reference.toString());
    if (known != null) {
      return known;
    }
    Path tree = tree(reference);
    String commit = tree.getFileName().toString();
    Path directory = reference.path().isEmpty() ? tree : tree.resolve(reference.path());
    ActionManifest manifest =
        ActionManifests.read(directory, reference.toString(), reference.path());
    FetchedAction action = new FetchedAction(reference, commit, directory, manifest);
    fetched.put(reference.toString(), action);
    return action;
  }

  /**
   * The files of the repository a REMOTE reference names, at the commit its ref resolves to
   * (fetched when not cached yet; the folder is named by the commit), without reading an {@code
   * action.yml}: what a reusable workflow ({@code OWNER/REPO/.github/workflows/x.yml@REF}) needs.
   */
  public Path tree(ActionReference reference) throws ActionFetchException {
    String key = reference.repository() + "@" + reference.ref();
    ActionFetchException known = failed.get(key);
    if (known != null) {
      throw new ActionFetchException(known.getMessage(), known);
    }
    try {
      return fetchTree(reference);
    } catch (ActionFetchException e) {
      failed.putIfAbsent(key, e);
      throw e;
    }
  }

  private Path fetchTree(ActionReference reference) throws ActionFetchException {
    Path repoDir = cacheDir.resolve(reference.owner()).resolve(reference.repo());
    String commit;
    String url = null;
    if (reference.pinned()) {
      commit = reference.ref();
    } else {
      Resolved r = resolve(reference);
      commit = r.commit();
      url = r.url();
    }
    Path tree = repoDir.resolve(commit);
    if (!Files.isDirectory(tree)) {
      ReentrantLock lock = LOCKS.computeIfAbsent(tree, k -> new ReentrantLock());
      lock.lock();
      try {
        if (!Files.isDirectory(tree)) {
          download(reference, commit, url, repoDir, tree);
        }
      } finally {
        lock.unlock();
      }
    }
    remember(repoDir, reference.ref(), commit);
    return tree;
  }

  /**
   * Which release of the action a commit pin is, as the sources tell (looked up once per fetcher):
   * see {@link PinLookup}. Never fails: a pin no source answers for comes back unresolved, with
   * every source tried.
   *
   * @throws IllegalArgumentException when the reference is not pinned to a commit
   */
  public PinnedCommit pin(ActionReference reference) {
    if (!reference.pinned()) {
      throw new IllegalArgumentException("not pinned to a commit: " + reference);
    }
    String key = reference.repository() + "@" + reference.ref();
    PinnedCommit known = pins.get(key);
    if (known != null) {
      return known;
    }
    Path history =
        cacheDir.resolve(reference.owner()).resolve(reference.repo()).resolve("history.git");
    PinnedCommit found = PinLookup.lookup(reference, urls(reference.repository()), history);
    PinnedCommit first = pins.putIfAbsent(key, found);
    return first != null ? first : found;
  }

  /** Notes the commit a ref was last seen at, for {@link #cached} (validation without network). */
  private static void remember(Path repoDir, String ref, String commit) {
    try {
      Path refs = Files.createDirectories(repoDir.resolve("refs"));
      Path file = refs.resolve(refFileName(ref));
      Path temp = Files.createTempFile(refs, ".ref", ".tmp");
      Files.writeString(temp, commit);
      Files.move(
          temp,
          file,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // Only validation's hints depend on it; the run goes on.
    }
  }

  private static String refFileName(String ref) {
    return ref.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /**
   * The manifest of an action already in the cache at the commit its ref was last fetched at (a
   * 40-hex ref as is), without any network; empty when it was never fetched or does not read.
   */
  public static java.util.Optional<ActionManifest> cached(
      Path cacheDir, ActionReference reference) {
    if (reference.kind() != ActionReference.Kind.REMOTE) {
      return java.util.Optional.empty();
    }
    Path repoDir =
        cacheDir.toAbsolutePath().normalize().resolve(reference.owner()).resolve(reference.repo());
    try {
      String commit =
          reference.pinned()
              ? reference.ref()
              : Files.readString(repoDir.resolve("refs").resolve(refFileName(reference.ref())))
                  .strip();
      Path tree = repoDir.resolve(commit);
      Path directory = reference.path().isEmpty() ? tree : tree.resolve(reference.path());
      if (!Files.isDirectory(directory)) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(
          ActionManifests.read(directory, reference.toString(), reference.path()));
    } catch (IOException | ActionFetchException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /** Resolves a tag or branch (at most once per fetcher), trying each source in order. */
  private Resolved resolve(ActionReference reference) throws ActionFetchException {
    String key = reference.repository() + "@" + reference.ref();
    Resolved known = resolved.get(key);
    if (known != null) {
      return known;
    }
    List<String> tried = new ArrayList<>();
    for (String url : urls(reference.repository())) {
      try {
        Collection<Ref> refs =
            Git.lsRemoteRepository().setRemote(url).setHeads(true).setTags(true).call();
        ObjectId id = find(refs, reference.ref());
        if (id != null) {
          Resolved r = new Resolved(id.name(), url);
          resolved.put(key, r);
          return r;
        }
        tried.add(display(url) + " (no branch or tag '" + reference.ref() + "')");
      } catch (GitAPIException | RuntimeException e) {
        tried.add(display(url) + " (" + reason(e, url) + ")");
      }
    }
    throw failure(reference, tried);
  }

  /** Branches before tags, as GitHub resolves {@code uses:}; annotated tags peeled. */
  private static ObjectId find(Collection<Ref> refs, String ref) {
    List<String> names =
        ref.startsWith("refs/")
            ? List.of(ref)
            : List.of(Constants.R_HEADS + ref, Constants.R_TAGS + ref);
    for (String name : names) {
      for (Ref r : refs) {
        if (r.getName().equals(name)) {
          return r.getPeeledObjectId() != null ? r.getPeeledObjectId() : r.getObjectId();
        }
      }
    }
    return null;
  }

  private void download(
      ActionReference reference, String commit, String knownUrl, Path repoDir, Path tree)
      throws ActionFetchException {
    Path bare = repoDir.resolve("repo.git");
    List<String> urls = knownUrl != null ? List.of(knownUrl) : urls(reference.repository());
    List<String> tried = new ArrayList<>();
    try {
      Files.createDirectories(repoDir);
      try (Repository db = FileRepositoryBuilder.create(bare.toFile())) {
        if (!Files.isDirectory(bare.resolve("objects"))) {
          db.create(true);
        }
        ObjectId id = ObjectId.fromString(commit);
        boolean have = hasCommit(db, id);
        for (int i = 0; !have && i < urls.size(); i++) {
          String url = urls.get(i);
          try (Git git = new Git(db)) {
            git.fetch()
                .setRemote(url)
                .setRefSpecs(new RefSpec(commit + ":refs/gantry/" + commit))
                .setDepth(1)
                .call();
            have = hasCommit(db, id);
            if (!have) {
              tried.add(display(url) + " (commit " + commit + " not found)");
            }
          } catch (GitAPIException | RuntimeException e) {
            tried.add(display(url) + " (" + reason(e, url) + ")");
          }
        }
        if (!have) {
          throw failure(reference, tried);
        }
        Path partial = Files.createTempDirectory(repoDir, commit + ".partial");
        try {
          extract(db, id, partial);
          try {
            Files.move(partial, tree, StandardCopyOption.ATOMIC_MOVE);
          } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            // Another process put the same commit in place first: its copy is as good.
            deleteTree(partial);
          } catch (IOException e) {
            if (!Files.isDirectory(tree)) {
              throw e;
            }
            deleteTree(partial);
          }
        } finally {
          if (Files.exists(partial)) {
            deleteTree(partial);
          }
        }
      }
    } catch (IOException e) {
      throw new ActionFetchException(
          "cannot store "
              + reference
              + " in the action cache "
              + cacheDir
              + ": "
              + e.getMessage()
              + "; check that the data directory is writable",
          e);
    }
  }

  private static boolean hasCommit(Repository db, ObjectId id) throws IOException {
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

  /** Writes the commit's files (executable bits and symbolic links kept) below {@code target}. */
  private static void extract(Repository db, ObjectId id, Path target) throws IOException {
    try (RevWalk walk = new RevWalk(db);
        TreeWalk tw = new TreeWalk(db)) {
      RevCommit commit = walk.parseCommit(id);
      tw.addTree(commit.getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        Path file = target.resolve(tw.getPathString()).normalize();
        if (!file.startsWith(target)) {
          throw new IOException("the path '" + tw.getPathString() + "' leaves the action's folder");
        }
        Files.createDirectories(file.getParent());
        FileMode mode = tw.getFileMode(0);
        ObjectLoader loader = db.open(tw.getObjectId(0));
        if (mode == FileMode.SYMLINK) {
          Files.createSymbolicLink(
              file,
              Path.of(new String(loader.getBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        } else if (mode == FileMode.GITLINK) {
          Files.createDirectories(file);
        } else {
          try (InputStream in = loader.openStream();
              OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
          }
          if (mode == FileMode.EXECUTABLE_FILE) {
            Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(file));
            perms.add(PosixFilePermission.OWNER_EXECUTE);
            perms.add(PosixFilePermission.GROUP_EXECUTE);
            perms.add(PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(file, perms);
          }
        }
      }
    }
  }

  /** The clone URLs of a repository; a local base folder may hold it as REPO or REPO.git. */
  private List<String> urls(String repository) {
    List<String> urls = new ArrayList<>();
    for (String url : sources.candidates(repository)) {
      if (url.startsWith("file:")) {
        Path folder = Path.of(java.net.URI.create(url));
        if (!Files.exists(folder) && Files.isDirectory(Path.of(folder + ".git"))) {
          urls.add(url + ".git");
          continue;
        }
      }
      urls.add(url);
    }
    return urls;
  }

  private static ActionFetchException failure(ActionReference reference, List<String> tried) {
    return new ActionFetchException(
        "cannot fetch action "
            + reference.repository()
            + "@"
            + reference.ref()
            + ": tried "
            + String.join(", ", tried)
            + "; check the ref, or give a source that has it: gantry.yml actions.sources (or"
            + " --action-source URL), or actions.overrides: {"
            + reference.repository()
            + ": file:///path/to/a/copy} for an air-gapped host");
  }

  /** A source URL as printed: without the user and password a mirror's URL may carry. */
  static String display(String url) {
    return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1");
  }

  /** Why a source failed, without its URL (printed already) or its credentials. */
  static String reason(Throwable e, String url) {
    String message = rootMessage(e).replace(url + ": ", "").replace(url, display(url));
    return display(message);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    return message.replace('\n', ' ').strip();
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover .partial folder is never mistaken for a cached commit.
    }
  }
}
