package io.gantry.runner.action.builtin;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import io.gantry.runner.git.GitRepos;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.RemoteRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckoutActionTest {

  @TempDir Path dir;

  private GitRepos repos;
  private String older;
  private String tip;
  private Mirrors mirrors;

  @BeforeEach
  void pushTwoCommits() throws Exception {
    repos = GitRepos.create(dir);
    older = repos.commit("one", Map.of("app.txt", "v1"));
    tip = repos.commit("two", Map.of("app.txt", "v2"));
    repos.push();
    mirrors = new Mirrors(dir.resolve("cache"));
  }

  @Test
  void aRemoteRunChecksOutItsOwnCommitIntoPath() throws Exception {
    RecordingContext context = context(repos.remote(null), older, Map.of("path", "src"));

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    Path src = context.workspace().resolve("src");
    assertThat(src.resolve("app.txt")).hasContent("v1");
    assertThat(git(src, "rev-parse", "HEAD")).isEqualTo(older);
    assertThat(git(src, "rev-list", "--count", "HEAD")).isEqualTo("1");
    assertThat(context.outputs)
        .containsEntry("commit", older)
        .containsEntry("ref", "refs/heads/main");
    assertThat(context.lines)
        .anyMatch(line -> line.startsWith("Fetched acme/web into the mirror "))
        .anyMatch(line -> line.startsWith("Checked out acme/web at " + older + " into " + src));
  }

  @Test
  void theRefInputIsResolvedInTheMirrorAndFetchDepthZeroKeepsAllHistory() throws Exception {
    RecordingContext context =
        context(repos.remote(null), older, Map.of("ref", "main", "fetch-depth", "0"));

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(git(context.workspace(), "rev-parse", "HEAD")).isEqualTo(tip);
    assertThat(git(context.workspace(), "rev-list", "--count", "HEAD")).isEqualTo("2");
  }

  @Test
  void aTokenInputIsUsedAndMaskedButNeverWrittenToTheCheckout() throws Exception {
    RecordingContext context = context(repos.remote(null), tip, Map.of("token", "ghs_overridden"));

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(context.masks).containsExactly("ghs_overridden");
    assertThat(context.workspace().resolve(".git/config")).content().doesNotContain("ghs_");
  }

  @Test
  void anUnknownCommitFailsTheStepWithOneLine() throws Exception {
    String unknown = "0123456789abcdef".repeat(2) + "01234567";
    RecordingContext context = context(repos.remote(null), unknown, Map.of());

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .startsWith("actions/checkout: commit " + unknown + " is not in acme/web (fetched from ")
        .doesNotContain("\n");
  }

  @Test
  void anotherRepositoryIsNotSupported() throws Exception {
    RecordingContext context = context(repos.remote(null), tip, Map.of("repository", "acme/other"));

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .contains("another repository ('acme/other') is not supported")
        .contains("acme/web");
    assertThat(
            new CheckoutAction(mirrors)
                .run(context(repos.remote(null), tip, Map.of("repository", "ACME/web")))
                .succeeded())
        .isTrue();
  }

  @Test
  void aRemoteRunWithoutAMirrorCacheFailsClearly() throws Exception {
    Action checkout = BuiltInActions.registry().resolve("actions/checkout@v4").orElseThrow();

    ActionResult result = checkout.run(context(repos.remote(null), tip, Map.of()));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).contains("this Gantry has no mirror cache configured");
    assertThat(BuiltInActions.registry(mirrors).resolve("actions/checkout@v4")).isPresent();
  }

  @Test
  void aBadFetchDepthFailsTheStep() throws Exception {
    RecordingContext context = context(repos.remote(null), tip, Map.of("fetch-depth", "all"));

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).contains("'fetch-depth' must be a whole number");
  }

  @Test
  void aLocalRunStillCopiesTheSourceDirectory() throws Exception {
    RecordingContext context = context(null, tip, Map.of("path", "copy"));
    context.source = repos.work;

    ActionResult result = new CheckoutAction(mirrors).run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(context.workspace().resolve("copy/app.txt")).hasContent("v2");
    assertThat(context.workspace().resolve("copy/.git")).isDirectory();
    assertThat(context.lines).anyMatch(line -> line.startsWith("Checked out " + repos.work));
  }

  /** A checkout step of a run of {@code remote} at {@code sha}, recorded. */
  private RecordingContext context(RemoteRepository remote, String sha, Map<String, String> given)
      throws Exception {
    RecordingContext context =
        new RecordingContext(
            new CheckoutAction(),
            Files.createDirectories(dir.resolve("workspace")),
            dir.resolve("cache"),
            given);
    context.env.clear();
    context.remote = remote;
    context.sha = sha;
    return context;
  }
}
