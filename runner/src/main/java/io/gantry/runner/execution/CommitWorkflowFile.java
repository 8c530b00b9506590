package io.gantry.runner.execution;

import io.gantry.runner.git.GitException;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.RemoteRepository;
import java.nio.file.Path;
import java.util.Map;

/**
 * A local reusable workflow ({@code jobs.x.uses: ./.github/workflows/y.yml}) of a run that has no
 * checkout of its repository, only the repository and commit ({@code gantry serve}): read from the
 * repository's git mirror in the data directory ({@code DATA/git}, the server's), at the run's
 * commit, as GitHub reads it from the caller's commit.
 */
final class CommitWorkflowFile {

  private CommitWorkflowFile() {}

  /**
   * The file's text, or null when the commit has no such file.
   *
   * @param path relative to the repository root, e.g. {@code .github/workflows/build.yml}
   */
  static String read(Path dataDir, RemoteRepository remote, String sha, String path)
      throws CallChain.CallProblem {
    String normalized = Path.of(path).normalize().toString();
    if (normalized.startsWith("..") || Path.of(normalized).isAbsolute()) {
      return null;
    }
    Path parent = Path.of(normalized).getParent();
    try {
      Map<String, String> files =
          new Mirrors(dataDir.resolve("git"))
              .readFiles(remote, sha, parent == null ? "" : parent.toString());
      return files.get(normalized);
    } catch (GitException e) {
      throw new CallChain.CallProblem(
          "cannot read " + path + " at " + sha + " of " + remote.name() + ": " + e.getMessage());
    }
  }
}
