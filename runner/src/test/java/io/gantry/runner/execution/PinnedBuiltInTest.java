package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Built-in actions pinned to a commit, looked up in a {@code file://} source of real bare
 * repositories made from the action bundles. The bundles hold no {@code actions/checkout} or {@code
 * actions/upload-artifact}, so the source serves real actions under those names: {@code
 * actions/cache}'s history (tags v4, v5) as {@code actions/checkout}, and {@code
 * hello-world-javascript-action}'s (tag v1) as {@code actions/upload-artifact}, whose built-in
 * implements v3 to v7 only.
 */
class PinnedBuiltInTest {

  @TempDir Path data;
  @TempDir Path source;
  @TempDir Path repo;

  private ActionHarness harness;

  @BeforeEach
  void sources() throws Exception {
    harness = new ActionHarness(data, source);
    bare("checkout", "cache");
    bare("upload-artifact", "hello-world-javascript-action");
    Files.writeString(repo.resolve("marker.txt"), "checked out by the built-in\n");
  }

  /** A bare repository {@code actions/NAME} in the source, with the refs of a bundle. */
  private void bare(String name, String bundle) throws Exception {
    Path bare = Files.createDirectories(source.resolve("actions").resolve(name));
    ActionRepos.git(bare, "init", "-q", "--bare");
    ActionRepos.git(bare, "fetch", "-q", ActionRepos.bundle(bundle).toString(), "refs/*:refs/*");
  }

  private String commitOf(String name, String tag) throws Exception {
    return ActionRepos.git(source.resolve("actions").resolve(name), "rev-parse", tag + "^{commit}");
  }

  /** Pushes an untagged commit on top of {@code tag} to a branch of the bare repository. */
  private String commitAfter(String name, String tag) throws Exception {
    Path work = Files.createTempDirectory(data, "work");
    ActionRepos.git(work, "clone", "-q", source.resolve("actions").resolve(name).toString(), ".");
    ActionRepos.git(work, "checkout", "-q", tag);
    ActionRepos.git(
        work,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "after " + tag);
    ActionRepos.git(work, "push", "-q", "origin", "HEAD:refs/heads/next");
    return ActionRepos.git(work, "rev-parse", "HEAD");
  }

  private RunResult run(String steps) throws Exception {
    String yaml =
        """
        on: push
        jobs:
          build:
            runs-on: x
            steps:
        """
            + steps.indent(6);
    return harness.run(harness.parse(yaml), repo, Map.of());
  }

  @Test
  void aCommitTaggedWithASupportedMajorRunsTheBuiltInAndTheLogSaysWhichRelease() throws Exception {
    String v5 = commitOf("checkout", "v5");

    RunResult result = run("- uses: actions/checkout@" + v5 + "\n- run: cat marker.txt\n");

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.log())
        .contains("checked out by the built-in")
        .contains(
            "actions/checkout@"
                + v5.substring(0, 12)
                + "… is v5 at "
                + source.toUri()
                + "actions/checkout; Gantry's built-in actions/checkout ran in its place");
  }

  @Test
  void anUntaggedCommitAfterASupportedReleaseRunsTheBuiltIn() throws Exception {
    String next = commitAfter("checkout", "v4");

    RunResult result = run("- uses: actions/checkout@" + next + "\n- run: cat marker.txt\n");

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.log())
        .contains("checked out by the built-in")
        .contains("… is a commit after v4 at ")
        .contains("Gantry's built-in actions/checkout ran in its place");
  }

  @Test
  void aCommitOfAMajorTheBuiltInDoesNotImplementRunsTheRealActionFromItsSource() throws Exception {
    String v1 = commitOf("upload-artifact", "v1");

    RunResult result =
        run(
            "- id: pinned\n  uses: actions/upload-artifact@"
                + v1
                + "\n  with: {who-to-greet: Pinned}\n"
                + "- run: echo \"time-set=${{ steps.pinned.outputs.time != '' }}\"\n");

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.log())
        .contains("Hello, Pinned!")
        .contains("time-set=true")
        .contains(
            "actions/upload-artifact@"
                + v1.substring(0, 12)
                + "… is v1 at "
                + source.toUri()
                + "actions/upload-artifact, not a release Gantry's built-in"
                + " actions/upload-artifact implements (v3, v4, v5, v6, v7): running that commit"
                + " from its source");
  }

  @Test
  void anUntaggedCommitAfterAnUnsupportedReleaseRunsFromItsSourceToo() throws Exception {
    String next = commitAfter("upload-artifact", "v1");

    RunResult result =
        run("- uses: actions/upload-artifact@" + next + "\n  with: {who-to-greet: Next}\n");

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.log()).contains("Hello, Next!").contains("… is a commit after v1 at ");
  }

  @Test
  void aCommitNoSourceHasRunsTheBuiltInWithTheSourcesTriedInTheNote() throws Exception {
    String unknown = "0123456789abcdef0123456789abcdef01234567";

    RunResult result = run("- uses: actions/checkout@" + unknown + "\n- run: cat marker.txt\n");

    assertThat(result.conclusion()).as(harness.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(harness.log())
        .contains("checked out by the built-in")
        .contains(
            "actions/checkout is pinned to commit 0123456789ab…, which no action source could"
                + " look up (tried "
                + source.toUri()
                + "actions/checkout (commit "
                + unknown
                + " not found")
        .contains("Gantry's built-in actions/checkout ran in its place");
  }
}
