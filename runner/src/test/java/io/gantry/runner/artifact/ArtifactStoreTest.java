package io.gantry.runner.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifact store on the real embedded database and real files: retention (an expired artifact
 * is no longer listed, and the sweep deletes its row and zip), the size limit (nothing kept), the
 * glob rules of {@code path:}, and a rerun seeing the artifacts of the attempt it repeats.
 */
class ArtifactStoreTest {

  @TempDir Path data;
  @TempDir Path workspace;
  private RunStore store;
  private MovingClock clock;
  private ArtifactStore artifacts;

  /** A clock the test moves. */
  static final class MovingClock extends Clock {
    Instant now = Instant.parse("2026-12-01T10:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeEach
  void open() {
    store = Stores.openEmbedded(data);
    clock = new MovingClock();
    artifacts = ArtifactStore.in(data, store, clock, 1 << 20);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private long newRun() {
    return store
        .createRun(
            new RunHistory.NewRun(
                "acme/web",
                "ci.yml",
                "ci",
                "on: push",
                "push",
                "refs/heads/main",
                "0123456789abcdef0123456789abcdef01234567",
                Map.of(),
                "push",
                "{}",
                null,
                false))
        .id();
  }

  private Artifact upload(long run, String name, String paths, int days) throws Exception {
    return artifacts.upload(
        new ArtifactStore.Upload(
            run, "build", name, artifacts.select(workspace, paths, false), 6, days, false),
        line -> {});
  }

  @Test
  void anExpiredArtifactIsNoLongerListedAndTheSweepDeletesIt() throws Exception {
    long run = newRun();
    Files.writeString(workspace.resolve("a.txt"), "a");
    Artifact shortLived = upload(run, "short", "a.txt", 1);
    Artifact longLived = upload(run, "long", "a.txt", 0);
    Path shortZip = data.resolve("artifacts/" + run + "/" + shortLived.file());
    assertThat(shortZip).exists();
    assertThat(Duration.between(longLived.createdAt(), longLived.expiresAt()).toDays())
        .isEqualTo(90);

    clock.now = clock.now.plus(Duration.ofDays(1)).plusSeconds(1);

    assertThat(artifacts.list(run)).extracting(Artifact::name).containsExactly("long");
    assertThat(artifacts.byId(shortLived.id())).isEmpty();
    assertThat(artifacts.sweep()).isEqualTo(1);
    assertThat(shortZip).doesNotExist();
    assertThat(data.resolve("artifacts/" + run + "/" + longLived.file())).exists();
    assertThat(artifacts.sweep()).isZero();

    clock.now = clock.now.plus(Duration.ofDays(90));
    assertThat(artifacts.sweep()).isEqualTo(1);
    assertThat(data.resolve("artifacts/" + run)).doesNotExist();
  }

  @Test
  void anArtifactOverTheLimitKeepsNothing() throws Exception {
    long run = newRun();
    byte[] random = new byte[(1 << 20) + 10];
    new java.util.Random(7).nextBytes(random);
    Files.write(workspace.resolve("big.bin"), random);

    assertThatThrownBy(() -> upload(run, "big", "big.bin", 0))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("the artifact is larger than 1048576 bytes, the limit");
    assertThat(artifacts.list(run)).isEmpty();
    try (var left = Files.list(data.resolve("artifacts/" + run))) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void pathsFollowGitHubsGlobRules() throws Exception {
    for (String file :
        List.of(
            "build/libs/app.jar",
            "build/libs/app-sources.jar",
            "build/reports/tests/index.html",
            "build/reports/.cache/x",
            "build/tmp/a.tmp",
            "docs/readme.md",
            ".hidden/secret")) {
      Path path = workspace.resolve(file);
      Files.createDirectories(path.getParent());
      Files.writeString(path, file);
    }
    Path ws = workspace.toRealPath();
    assertThat(names(artifacts.select(workspace, "build/libs/*.jar\n!**/*-sources.jar", false)))
        .containsExactly("app.jar");
    ArtifactStore.Selection folder = artifacts.select(workspace, "build/", false);
    assertThat(folder.root()).isEqualTo(ws.resolve("build"));
    assertThat(names(folder))
        .containsExactly(
            "libs/app-sources.jar", "libs/app.jar", "reports/tests/index.html", "tmp/a.tmp");
    assertThat(names(artifacts.select(workspace, "build/", true))).contains("reports/.cache/x");
    ArtifactStore.Selection two =
        artifacts.select(workspace, "# comment\nbuild/libs/app.jar\ndocs/*.md", false);
    assertThat(two.root()).isEqualTo(ws);
    assertThat(names(two)).containsExactly("build/libs/app.jar", "docs/readme.md");
    ArtifactStore.Selection one = artifacts.select(workspace, "docs/readme.md", false);
    assertThat(one.root()).isEqualTo(ws.resolve("docs"));
    assertThat(names(one)).containsExactly("readme.md");
    assertThat(names(artifacts.select(workspace, "**/[ai]*.{jar,html}", false))).isEmpty();
    assertThat(names(artifacts.select(workspace, "**/[ai]*.html", false)))
        .containsExactly("build/reports/tests/index.html");
    // The path inside the artifact starts after the pattern's literal beginning.
    assertThat(names(artifacts.select(workspace, "build/**/?.tmp", false)))
        .containsExactly("tmp/a.tmp");
    assertThat(names(artifacts.select(workspace, ".hidden/secret", false)))
        .containsExactly("secret");
  }

  @Test
  void aRerunSeesTheArtifactsOfTheAttemptItRepeats() throws Exception {
    long first = newRun();
    Files.writeString(workspace.resolve("a.txt"), "first");
    upload(first, "kept", "a.txt", 0);
    upload(first, "replaced", "a.txt", 0);
    store.runStarted(first, clock.now);
    store.runFinished(first, io.gantry.runner.store.Result.FAILURE, clock.now);
    long second = store.createRerun(first, "rerun", clock.now, true).id();
    Files.writeString(workspace.resolve("a.txt"), "second");
    Artifact again = upload(second, "replaced", "a.txt", 0);

    List<Artifact> seen = artifacts.list(second);
    assertThat(seen).extracting(Artifact::name).containsExactly("kept", "replaced");
    assertThat(seen.get(0).runId()).isEqualTo(first);
    assertThat(seen.get(1)).isEqualTo(again);
    assertThat(artifacts.list(first)).extracting(Artifact::runId).containsOnly(first);
  }

  private static List<String> names(ArtifactStore.Selection selection) {
    List<String> names = new ArrayList<>();
    for (Path file : selection.files()) {
      names.add(selection.root().relativize(file).toString());
    }
    return names;
  }
}
