package io.gantry.runner.git;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Bare mirrors of remote repositories, one per repository under a cache folder, fetched (not
 * cloned again) on later use, and checkouts of exact commits from them. Thread-safe, and safe
 * across processes sharing the cache folder.
 */
public final class Mirrors {

  private final Path cacheDir;

  public Mirrors(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  /** Clones the mirror on first use, fetches every ref afterwards; returns its folder. */
  public Path sync(RemoteRepository repository) throws GitException {
    throw new UnsupportedOperationException("not yet implemented " + cacheDir);
  }

  /**
   * The files directly in {@code folder} (not below) at commit {@code sha}, by path relative to
   * the repository root, e.g. {@code .github/workflows/ci.yml}; empty when the folder is absent.
   * Syncs first when the commit is not in the mirror.
   */
  public Map<String, String> readFiles(RemoteRepository repository, String sha, String folder)
      throws GitException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * The paths that differ between two commits ({@code git diff --name-only before after}), or
   * null when {@code before} is unknown (all zeros for a new branch, or absent from the mirror) and
   * so no diff can be taken.
   */
  public List<String> changedPaths(RemoteRepository repository, String before, String after)
      throws GitException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Checks out {@code sha} into {@code target} (created or emptied) as a working tree with its
   * own {@code .git}, from the mirror; {@code depth} > 0 limits history as {@code fetch-depth}
   * does, 0 means all history.
   */
  public void checkout(RemoteRepository repository, String sha, Path target, int depth)
      throws GitException {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
