package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.git.GitRepos;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schedules' pass fetches the mirror of a repository whose default branch has schedules (when
 * no push fetched it within a period), and never that of a repository without any: its fetch every
 * period cost CPU and the mirror's lock while pushes were being taken. Observed on the mirrors
 * themselves: each forge repository gets a commit with no webhook sent, a period passes, and only
 * the mirror with schedules has it afterwards.
 */
class ScheduleFetchTest {

  @TempDir Path dir;
  private GantryServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void thePassFetchesOnlyRepositoriesWhoseDefaultBranchHasSchedules() throws Exception {
    Path withSchedule =
        forge(
            "nightly",
            "name: nightly\non:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  report:\n"
                + "    runs-on: x\n    steps:\n      - run: echo nightly\n");
    Path without =
        forge(
            "app",
            "name: ci\non: push\njobs:\n  build:\n    runs-on: x\n    steps:\n"
                + "      - run: echo build\n");
    Path file = dir.resolve("gantry.yml");
    Files.writeString(
        file,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: t0ken-123\n  workers: 1\nrepositories:\n"
            + "  - name: acme/nightly\n    forge: git\n    clone-url: file://"
            + withSchedule
            + "\n    webhook-secret: s3cret-456\n"
            + "  - name: acme/app\n    forge: git\n    clone-url: file://"
            + without
            + "\n    webhook-secret: s3cret-456\n");
    ServerConfig config = new ConfigLoader(Map.<String, String>of()::get).load(file);
    server =
        GantryServer.start(
            config,
            Duration.ofSeconds(30),
            StatusPosting.forges(),
            new TestClock(Instant.parse("2026-12-06T10:30:00Z")));
    // The start-up pass (this one waits for it) syncs every mirror once.
    server.schedules().fireDue();
    String appBefore = mirrorHead("acme_app");
    assertThat(appBefore).isEqualTo(head(without));
    assertThat(mirrorHead("acme_nightly")).isEqualTo(head(withSchedule));

    // New commits on both forges, with no webhook; then a period without any push.
    String nightlyAfter = commit(withSchedule);
    String appAfter = commit(without);
    Thread.sleep(Schedules.PERIOD.plusSeconds(1).toMillis());
    server.schedules().fireDue();

    assertThat(mirrorHead("acme_nightly")).isEqualTo(nightlyAfter);
    assertThat(mirrorHead("acme_app")).isEqualTo(appBefore).isNotEqualTo(appAfter);
  }

  /** A bare repository whose main branch holds one workflow. */
  private Path forge(String name, String workflow) throws IOException {
    Path bare = dir.resolve(name + ".git");
    Path work = dir.resolve(name);
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "config", "user.email", "dev@example.com");
    GitRepos.git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(work.resolve(".github/workflows/" + name + ".yml"), workflow);
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", "workflow");
    GitRepos.git(work, "push", "-q", bare.toString(), "main");
    return bare;
  }

  /** Pushes one more commit to the bare repository's main branch (no webhook is sent). */
  private String commit(Path bare) throws IOException {
    Path work = dir.resolve(bare.getFileName().toString().replace(".git", ""));
    GitRepos.git(work, "commit", "-q", "--allow-empty", "-m", "later");
    GitRepos.git(work, "push", "-q", bare.toString(), "main");
    return head(bare);
  }

  private static String head(Path gitDir) throws IOException {
    return GitRepos.git(gitDir, "rev-parse", "refs/heads/main").strip();
  }

  /** The main branch of the server's mirror of a repository (named after it, plus a hash). */
  private String mirrorHead(String prefix) throws IOException {
    try (Stream<Path> mirrors = Files.list(dir.resolve("data/git"))) {
      List<Path> found =
          mirrors
              .filter(p -> p.getFileName().toString().startsWith(prefix))
              .filter(p -> p.getFileName().toString().endsWith(".git"))
              .toList();
      assertThat(found).as("the mirror of " + prefix).hasSize(1);
      return head(found.get(0));
    }
  }
}
