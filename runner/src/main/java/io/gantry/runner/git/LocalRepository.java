package io.gantry.runner.git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/** What a local git working tree says about its checked-out commit, read with JGit. */
public final class LocalRepository {

  private LocalRepository() {}

  /**
   * The checked-out commit of the repository containing {@code dir}.
   *
   * @param ref the full ref of the current branch ({@code refs/heads/main}), or null when HEAD is
   *     detached
   */
  public record Head(
      String ref,
      String sha,
      String message,
      String authorName,
      String authorEmail,
      java.time.Instant time) {}

  /** The head commit, or empty when {@code dir} is not in a git repository or has no commit. */
  public static Optional<Head> head(Path dir) {
    FileRepositoryBuilder builder = new FileRepositoryBuilder().findGitDir(dir.toFile());
    if (builder.getGitDir() == null) {
      return Optional.empty();
    }
    try (Repository repository = builder.build()) {
      ObjectId head = repository.resolve("HEAD");
      if (head == null) {
        return Optional.empty();
      }
      String full = repository.getFullBranch();
      String ref = full != null && full.startsWith("refs/") ? full : null;
      try (RevWalk walk = new RevWalk(repository)) {
        RevCommit commit = walk.parseCommit(head);
        PersonIdent author = commit.getAuthorIdent();
        return Optional.of(
            new Head(
                ref,
                head.name(),
                commit.getFullMessage(),
                author.getName(),
                author.getEmailAddress(),
                author.getWhenAsInstant()));
      }
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
