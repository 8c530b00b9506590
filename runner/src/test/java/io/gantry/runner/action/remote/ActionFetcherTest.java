package io.gantry.runner.action.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetches the real actions of the test resources from a {@code file://} source. */
class ActionFetcherTest {

  @TempDir Path dir;
  private String source;
  private Path cache;

  @BeforeEach
  void serve() throws Exception {
    source = ActionRepos.serve(dir.resolve("source"));
    cache = dir.resolve("data/actions");
  }

  private ActionFetcher fetcher(List<String> bases, Map<String, String> overrides) {
    return new ActionFetcher(cache, new ActionSources(bases, overrides));
  }

  private String tagCommit(String name, String tag) throws Exception {
    return ActionRepos.git(
        dir.resolve("source/actions").resolve(name), "rev-parse", tag + "^{commit}");
  }

  @Test
  void aTagIsResolvedFetchedIntoTheCacheByCommitAndItsManifestRead() throws Exception {
    FetchedAction action =
        fetcher(List.of(source), Map.of())
            .fetch(ActionReference.parse("actions/hello-world-javascript-action@v1"));

    String commit = tagCommit("hello-world-javascript-action", "v1");
    assertThat(action.commit()).isEqualTo(commit);
    assertThat(action.directory())
        .isEqualTo(cache.resolve("actions/hello-world-javascript-action").resolve(commit));
    assertThat(action.directory().resolve("dist/index.js")).isRegularFile();
    assertThat(action.manifest().runs())
        .isEqualTo(
            new ActionManifest.NodeRuns(24, "dist/index.js", null, "always()", null, "always()"));
    assertThat(action.manifest().inputs().get("who-to-greet"))
        .isEqualTo(new ActionManifest.Input("Who to greet", true, "World", null));
    assertThat(action.manifest().outputs()).containsOnlyKeys("time");
  }

  @Test
  void aTagIsResolvedOncePerFetcherAndAgainByTheNextRun() throws Exception {
    ActionFetcher run1 = fetcher(List.of(source), Map.of());
    ActionReference v5 = ActionReference.parse("actions/cache@v5");
    String first = run1.fetch(v5).commit();
    assertThat(first).isEqualTo(tagCommit("cache", "v5"));

    // The tag moves upstream (to v4's commit) during the run.
    Path repo = dir.resolve("source/actions/cache");
    ActionRepos.git(repo, "tag", "-f", "v5", tagCommit("cache", "v4"));

    assertThat(run1.fetch(v5).commit()).isEqualTo(first);
    FetchedAction run2 = fetcher(List.of(source), Map.of()).fetch(v5);
    assertThat(run2.commit()).isEqualTo(tagCommit("cache", "v4"));
    assertThat(((ActionManifest.NodeRuns) run2.manifest().runs()).nodeMajor()).isEqualTo(20);
  }

  @Test
  void aCommitPinIsUsedAsIsAndServedFromTheCacheWithoutItsSource() throws Exception {
    String commit = tagCommit("github-script", "v7");
    ActionReference pinned = ActionReference.parse("actions/github-script@" + commit);
    fetcher(List.of(source), Map.of()).fetch(pinned);

    String gone = dir.resolve("nowhere").toUri().toString();
    FetchedAction again = fetcher(List.of(gone), Map.of()).fetch(pinned);
    assertThat(again.commit()).isEqualTo(commit);
    assertThat(again.manifest().inputs()).containsKeys("script", "github-token", "debug");
    assertThat(again.manifest().inputs().get("debug").defaultValue())
        .isEqualTo("${{ runner.debug == '1' }}");
  }

  @Test
  void sourcesAreTriedInOrderAndAFailureNamesEveryOne() throws Exception {
    String missing = dir.resolve("mirror-down").toUri() + "/";
    FetchedAction action =
        fetcher(List.of(missing, source), Map.of())
            .fetch(ActionReference.parse("actions/setup-java@v5"));
    assertThat(action.manifest().runs()).isInstanceOf(ActionManifest.NodeRuns.class);
    ActionManifest.NodeRuns runs = (ActionManifest.NodeRuns) action.manifest().runs();
    assertThat(runs.post()).isEqualTo("dist/cleanup/index.js");

    assertThatThrownBy(
            () ->
                fetcher(List.of(missing, source), Map.of())
                    .fetch(ActionReference.parse("actions/setup-java@v99")))
        .isInstanceOf(ActionFetchException.class)
        .hasMessageStartingWith(
            "cannot fetch action actions/setup-java@v99: tried "
                + missing
                + "actions/setup-java (not found.), ")
        .hasMessageContaining(source + "actions/setup-java (no branch or tag 'v99')")
        .hasMessageNotContaining("\n");
  }

  @Test
  void anOverrideToALocalFolderWinsOverTheSources() throws Exception {
    Path clone = dir.resolve("air-gapped/hello");
    ActionRepos.git(
        dir,
        "clone",
        "-q",
        ActionRepos.bundle("hello-world-javascript-action").toString(),
        clone.toString());
    ActionRepos.git(clone, "tag", "v1-local");
    String gone = dir.resolve("nowhere").toUri().toString();
    FetchedAction action =
        fetcher(List.of(gone), Map.of("actions/hello-world-javascript-action", clone.toString()))
            .fetch(ActionReference.parse("actions/hello-world-javascript-action@v1-local"));
    assertThat(action.commit()).isEqualTo(ActionRepos.git(clone, "rev-parse", "HEAD"));
    assertThat(Files.readString(action.directory().resolve("action.yml"))).contains("who-to-greet");
  }

  @Test
  void anActionPathWithoutManifestIsNamed() throws Exception {
    assertThatThrownBy(
            () ->
                fetcher(List.of(source), Map.of())
                    .fetch(ActionReference.parse("actions/cache/nothing-here@v4")))
        .hasMessage(
            "actions/cache/nothing-here@v4 has no action.yml or action.yaml in 'nothing-here';"
                + " check the path after OWNER/REPO");
  }

  @Test
  void aSourcesCredentialsAreNeverPrinted() throws Exception {
    String secretUrl = "http://bot:s3cret-token@127.0.0.1:9/mirror";
    assertThatThrownBy(
            () ->
                fetcher(List.of(secretUrl), Map.of())
                    .fetch(ActionReference.parse("actions/cache@v4")))
        .hasMessageStartingWith(
            "cannot fetch action actions/cache@v4: tried"
                + " http://127.0.0.1:9/mirror/actions/cache (")
        .hasMessageNotContaining("s3cret");
  }
}
