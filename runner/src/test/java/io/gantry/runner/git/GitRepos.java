package io.gantry.runner.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real repositories for tests, made with the git command line: a bare "origin" on disk and a
 * working clone that commits and pushes to it, as a developer would.
 */
public final class GitRepos {

  public final Path origin;
  public final Path work;

  private GitRepos(Path origin, Path work) {
    this.origin = origin;
    this.work = work;
  }

  /** A bare origin and a clone of it on branch {@code main}, below {@code dir}. */
  public static GitRepos create(Path dir) throws IOException {
    Path origin = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", origin.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "remote", "add", "origin", origin.toString());
    return new GitRepos(origin, work);
  }

  /** The origin as a repository named acme/web, with a token that a file URL ignores. */
  public RemoteRepository remote(String password) {
    return new RemoteRepository("acme/web", origin.toUri().toString(), "bot", password, null);
  }

  /** Writes the files (a null content deletes), commits everything and returns the commit id. */
  public String commit(String message, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = work.resolve(file.getKey());
      if (file.getValue() == null) {
        Files.delete(path);
      } else {
        Files.createDirectories(path.getParent());
        Files.writeString(path, file.getValue());
      }
    }
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", message);
    return git(work, "rev-parse", "HEAD");
  }

  public void push() throws IOException {
    git(work, "push", "-q", "origin", "HEAD:refs/heads/main");
  }

  /** Runs git in {@code dir} and returns its trimmed output; fails on a non-zero exit. */
  public static String git(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("GIT_AUTHOR_NAME", "Test");
    env.put("GIT_AUTHOR_EMAIL", "test@example.com");
    env.put("GIT_COMMITTER_NAME", "Test");
    env.put("GIT_COMMITTER_EMAIL", "test@example.com");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (process.waitFor() != 0) {
        throw new IOException("git " + String.join(" ", args) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }
}
