package io.gantry.runner.git;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.errors.TransportException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorsTest {

  private static final String ZEROS = "0".repeat(40);

  @TempDir Path dir;

  @Test
  void theFirstSyncClonesAndLaterSyncsFetchIntoTheSameMirror() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    String first = repos.commit("one", Map.of("a.txt", "1"));
    repos.push();
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));

    Path mirror = mirrors.sync(repos.remote(null));
    Object inode = Files.readAttributes(mirror, BasicFileAttributes.class).fileKey();
    // A clone would replace the folder and lose this file; a fetch leaves it.
    Files.writeString(mirror.resolve("gantry-marker"), "kept");
    assertThat(git(mirror, "rev-parse", "refs/heads/main")).isEqualTo(first);

    String second = repos.commit("two", Map.of("a.txt", "2"));
    repos.push();
    git(repos.work, "push", "-q", "origin", "HEAD:refs/heads/feature");
    assertThat(mirrors.sync(repos.remote(null))).isEqualTo(mirror);

    assertThat(git(mirror, "rev-parse", "refs/heads/main")).isEqualTo(second);
    assertThat(git(mirror, "rev-parse", "refs/heads/feature")).isEqualTo(second);
    assertThat(mirror.resolve("gantry-marker")).hasContent("kept");
    assertThat(Files.readAttributes(mirror, BasicFileAttributes.class).fileKey()).isEqualTo(inode);
    assertThat(mirror.getParent()).isEqualTo(dir.resolve("cache"));
    assertThat(mirror.getFileName().toString()).startsWith("acme_web-").endsWith(".git");
  }

  @Test
  void aBranchDeletedOnTheForgeIsPrunedFromTheMirror() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    repos.commit("one", Map.of("a.txt", "1"));
    repos.push();
    git(repos.work, "push", "-q", "origin", "HEAD:refs/heads/gone");
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));
    Path mirror = mirrors.sync(repos.remote(null));
    assertThat(git(mirror, "branch", "--list")).contains("gone");

    git(repos.work, "push", "-q", "origin", ":refs/heads/gone");
    mirrors.sync(repos.remote(null));

    assertThat(git(mirror, "branch", "--list")).doesNotContain("gone").contains("main");
  }

  @Test
  void readFilesGivesEachCommitsOwnWorkflowFiles() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    String first =
        repos.commit(
            "one",
            Map.of(
                ".github/workflows/ci.yml", "name: ci v1\n",
                ".github/workflows/nested/skip.yml", "not read\n",
                "README.md", "readme\n"));
    repos.push();
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));
    mirrors.sync(repos.remote(null));
    // Pushed after the sync: reading it makes the mirror fetch.
    String second =
        repos.commit(
            "two",
            Map.of(
                ".github/workflows/ci.yml",
                "name: ci v2\n",
                ".github/workflows/deploy.yml",
                "name: deploy\n"));
    repos.push();

    assertThat(mirrors.readFiles(repos.remote(null), first, ".github/workflows"))
        .containsExactly(Map.entry(".github/workflows/ci.yml", "name: ci v1\n"));
    assertThat(mirrors.readFiles(repos.remote(null), second, ".github/workflows/"))
        .containsExactly(
            Map.entry(".github/workflows/ci.yml", "name: ci v2\n"),
            Map.entry(".github/workflows/deploy.yml", "name: deploy\n"));
    assertThat(mirrors.readFiles(repos.remote(null), second, "no/such/folder")).isEmpty();
    assertThat(mirrors.readFiles(repos.remote(null), second, "README.md")).isEmpty();
  }

  @Test
  void changedPathsListsEveryPathAPushOfTwoCommitsTouched() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    String before =
        repos.commit(
            "base",
            Map.of(
                "src/keep.txt", "same",
                "src/edit.txt", "old",
                "docs/drop.md", "bye",
                "old/name.txt", "a file that will be renamed, long enough to be a rename\n"));
    repos.push();
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));
    mirrors.sync(repos.remote(null));
    Map<String, String> firstChange = new LinkedHashMap<>();
    firstChange.put("src/edit.txt", "new");
    firstChange.put("docs/drop.md", null);
    repos.commit("first", firstChange);
    Files.createDirectories(repos.work.resolve("new"));
    git(repos.work, "mv", "old/name.txt", "new/name.txt");
    String after = repos.commit("second", Map.of("added/file.txt", "hi"));
    repos.push();

    assertThat(mirrors.changedPaths(repos.remote(null), before, after))
        .containsExactly(
            "added/file.txt", "docs/drop.md", "new/name.txt", "old/name.txt", "src/edit.txt");
    assertThat(mirrors.changedPaths(repos.remote(null), ZEROS, after)).isNull();
    assertThat(mirrors.changedPaths(repos.remote(null), "1234567".repeat(5) + "12345", after))
        .isNull();
    assertThat(mirrors.changedPaths(repos.remote(null), after, after)).isEmpty();
  }

  @Test
  void checkoutGivesAnOlderCommitExactlyWithOneCommitOfHistory() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    repos.commit("one", Map.of("app.txt", "v1"));
    String wanted = repos.commit("two", Map.of("app.txt", "v2", "bin/run.sh", "echo hi\n"));
    repos.commit("three", Map.of("app.txt", "v3"));
    repos.push();
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));
    Path target = dir.resolve("workspace");
    Files.createDirectories(target.resolve("stale"));
    Files.writeString(target.resolve("stale/old.txt"), "left from a previous run");

    mirrors.checkout(repos.remote("s3cr3t-token"), wanted, target, 1);

    assertThat(target.resolve("app.txt")).hasContent("v2");
    assertThat(target.resolve("bin/run.sh")).hasContent("echo hi");
    assertThat(target.resolve("stale")).doesNotExist();
    assertThat(git(target, "rev-parse", "HEAD")).isEqualTo(wanted);
    assertThat(git(target, "rev-list", "--count", "HEAD")).isEqualTo("1");
    assertThat(git(target, "status", "--porcelain")).isEmpty();
    assertThat(git(target, "remote", "get-url", "origin")).isEqualTo(repos.remote(null).cloneUrl());
    assertThat(target.resolve(".git/config")).content().doesNotContain("s3cr3t");
    assertThat(target.resolve(".git/config")).content().doesNotContain("cache");
  }

  @Test
  void checkoutWithDepthZeroHasAllHistoryUpToTheCommit() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    repos.commit("one", Map.of("app.txt", "v1"));
    String wanted = repos.commit("two", Map.of("app.txt", "v2"));
    repos.commit("three", Map.of("app.txt", "v3"));
    repos.push();
    Path target = dir.resolve("workspace");

    new Mirrors(dir.resolve("cache")).checkout(repos.remote(null), wanted, target, 0);

    assertThat(git(target, "rev-list", "--count", "HEAD")).isEqualTo("2");
    assertThat(target.resolve(".git/shallow")).doesNotExist();
    assertThat(target.resolve("app.txt")).hasContent("v2");
  }

  @Test
  void resolveFindsBranchesTagsAndCommitsPushedSinceTheLastSync() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    String first = repos.commit("one", Map.of("a.txt", "1"));
    repos.push();
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));
    mirrors.sync(repos.remote(null));
    String second = repos.commit("two", Map.of("a.txt", "2"));
    git(repos.work, "tag", "v1", first);
    git(repos.work, "push", "-q", "origin", "HEAD:refs/heads/main", "v1");

    assertThat(mirrors.resolve(repos.remote(null), "v1")).isEqualTo(first);
    assertThat(mirrors.resolve(repos.remote(null), "refs/heads/main")).isEqualTo(second);
    assertThat(mirrors.resolve(repos.remote(null), first.substring(0, 12))).isEqualTo(first);
    assertThatThrownBy(() -> mirrors.resolve(repos.remote(null), "no-such-branch"))
        .hasMessageStartingWith(
            "'no-such-branch' is neither a branch, a tag nor a commit of acme/web");
  }

  @Test
  void anUnknownCommitIsReportedWithTheRepositoryAndWhereItWasFetchedFrom() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    repos.commit("one", Map.of("a.txt", "1"));
    repos.push();
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));
    String unknown = "abc123".repeat(6) + "abcd";

    assertThatThrownBy(() -> mirrors.checkout(repos.remote(null), unknown, dir.resolve("ws"), 1))
        .isInstanceOf(GitException.class)
        .hasMessageStartingWith(
            "commit "
                + unknown
                + " is not in acme/web (fetched from "
                + repos.remote(null).cloneUrl()
                + ")")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> mirrors.readFiles(repos.remote(null), unknown, ".github/workflows"))
        .hasMessageContaining("is not in acme/web");
  }

  @Test
  void aMissingRepositoryFailsWithOneLineNamingItAndTheFix() {
    Path nowhere = dir.resolve("no-such-repo.git");
    RemoteRepository remote =
        new RemoteRepository("acme/web", nowhere.toUri().toString(), null, null, null);
    Mirrors mirrors = new Mirrors(dir.resolve("cache"));

    assertThatThrownBy(() -> mirrors.sync(remote))
        .isInstanceOf(GitException.class)
        .hasMessage(
            "cannot clone acme/web from "
                + nowhere.toUri()
                + ": no repository there; check the clone-url");
    // A failed first clone leaves nothing that a later sync would mistake for a mirror.
    assertThat(dir.resolve("cache")).isDirectoryNotContaining("glob:**.git*");
  }

  @Test
  void aMissingRepositoryWhosePathHoldsFourOhOneIsNotTakenForAnAuthenticationFailure() {
    // Temporary folders are named with random digits: /tmp/junit4011.../ once read as HTTP 401.
    Path nowhere = dir.resolve("401/403-x/no-such-repo.git");
    RemoteRepository remote =
        new RemoteRepository("acme/web", nowhere.toUri().toString(), null, null, null);

    assertThatThrownBy(() -> new Mirrors(dir.resolve("cache")).sync(remote))
        .isInstanceOf(GitException.class)
        .hasMessageEndingWith(": no repository there; check the clone-url");
  }

  @Test
  void aRefusedPasswordIsReportedWithoutThePassword() throws Exception {
    // A forge that refuses every credential, as GitHub does for a revoked token.
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    AtomicInteger requests = new AtomicInteger();
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"forge\"");
          exchange.sendResponseHeaders(401, -1);
          exchange.close();
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/acme/web.git";
      RemoteRepository remote = new RemoteRepository("acme/web", url, "bot", "s3cr3t-token", null);

      assertThatThrownBy(() -> new Mirrors(dir.resolve("cache")).sync(remote))
          .isInstanceOf(GitException.class)
          .hasMessage(
              "cannot clone acme/web from "
                  + url
                  + ": authentication failed; check the repository's credentials")
          .hasMessageNotContaining("s3cr3t");
      assertThat(requests).hasValueGreaterThan(0);

      // A password written into the clone URL itself is masked as well.
      String withPassword = url.replace("http://", "http://bot:s3cr3t-token@");
      RemoteRepository inline = new RemoteRepository("acme/web", withPassword, null, null, null);
      assertThatThrownBy(() -> new Mirrors(dir.resolve("cache")).sync(inline))
          .hasMessageContaining("http://bot@127.0.0.1")
          .hasMessageNotContaining("s3cr3t");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aPasswordInJGitsOwnMessageIsMasked() {
    RemoteRepository remote =
        new RemoteRepository(
            "acme/web", "https://github.com/acme/web.git", "bot", "p@ss/w:rd", null);
    TransportException jgit =
        new TransportException(
            "https://bot:p%40ss%2Fw%3Ard@github.com/acme/web.git: unexpected answer p@ss/w:rd");

    GitException error = Credentials.transportFailure("fetch", remote, jgit);

    assertThat(error.getMessage())
        .startsWith("cannot fetch acme/web from https://github.com/acme/web.git: ")
        .doesNotContain("p@ss/w:rd")
        .doesNotContain("p%40ss");
    assertThat(Credentials.mask("https://x:tok@host/r.git and p@ss/w:rd", remote))
        .isEqualTo("https://x:***@host/r.git and ***");
  }

  @Test
  void aSyncWaitsWhileAnotherProcessHoldsTheMirrorsLock() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    repos.commit("one", Map.of("a.txt", "1"));
    repos.push();
    Path cache = Files.createDirectories(dir.resolve("cache"));
    Path lockFile = cache.resolve(Mirrors.safeName("acme/web") + ".lock");
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    Process holder =
        new ProcessBuilder(
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                lockFile.toString(),
                "1500")
            .redirectErrorStream(true)
            .start();
    try {
      assertThat(new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8))
          .isEqualTo("locked");
      long started = System.nanoTime();

      new Mirrors(cache).sync(repos.remote(null));

      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThan(700);
      assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void fourThreadsSyncingTheSameRepositoryAllSucceedOnOneMirror() throws Exception {
    GitRepos repos = GitRepos.create(dir);
    String tip = null;
    for (int i = 0; i < 20; i++) {
      tip = repos.commit("commit " + i, Map.of("file" + i + ".txt", "content " + i));
    }
    repos.push();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Path>> results = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        // Separate instances, as separate workers would have; the lock is per mirror, not per
        // object.
        Mirrors mirrors = new Mirrors(dir.resolve("cache"));
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return mirrors.sync(repos.remote(null));
                }));
      }
      start.countDown();
      List<Path> mirrors = new ArrayList<>();
      for (Future<Path> result : results) {
        mirrors.add(result.get(60, TimeUnit.SECONDS));
      }
      assertThat(mirrors).hasSize(4).allMatch(p -> p.equals(mirrors.get(0)));
      assertThat(git(mirrors.get(0), "rev-parse", "refs/heads/main")).isEqualTo(tip);
      git(mirrors.get(0), "fsck", "--strict");
      try (var entries = Files.list(dir.resolve("cache"))) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .allMatch(name -> name.endsWith(".git") || name.endsWith(".lock"))
            .hasSize(2);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
