package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.expression.Expressions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push through {@code gantry serve} of a workflow that uses a fetched JavaScript action (the real
 * hello-world action, from a {@code file://} action source made from its bundle) and calls a local
 * reusable workflow, read from the repository at the pushed commit (the server has no checkout of
 * it); {@code github.repository} and {@code repository_owner} are the configured repository's, so a
 * job gated on another repository is skipped, and a macOS job is skipped with its reason.
 */
class ServeActionsTest {

  private static final String CI =
      """
name: ci
on: push
jobs:
  hello:
    if: github.repository == 'acme/web'
    runs-on: ubuntu-latest
    steps:
      - id: hi
        uses: actions/hello-world-javascript-action@v1
        with:
          who-to-greet: Gantry
      - run: echo "time-set=${{ steps.hi.outputs.time != '' }}"
      - run: >-
          echo "repo=${{ github.repository }} owner=${{ github.repository_owner }}
          os=${{ runner.os }} arch=${{ runner.arch }} env=$GITHUB_REPOSITORY_OWNER"
  elsewhere:
    if: github.repository == 'someone/else'
    runs-on: ubuntu-latest
    steps:
      - run: echo never-here
  mac:
    runs-on: macos-latest
    steps:
      - run: echo never-on-linux
  reuse:
    needs: hello
    uses: ./.github/workflows/build.yml
    with:
      greeting: hi from the caller
  after:
    needs: reuse
    runs-on: ubuntu-latest
    steps:
      - run: echo "got=${{ needs.reuse.outputs.result }}"
""";

  private static final String BUILD =
      """
name: build
on:
  workflow_call:
    inputs:
      greeting:
        type: string
        required: true
    outputs:
      result:
        value: ${{ jobs.inner.outputs.result }}
jobs:
  inner:
    runs-on: ubuntu-latest
    outputs:
      result: ${{ steps.r.outputs.result }}
    steps:
      - id: r
        run: echo "result=${{ inputs.greeting }} in ${{ github.repository }}" >> "$GITHUB_OUTPUT"
""";

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aFetchedActionAndALocalReusableWorkflowRunUnderServe() throws Exception {
    String source = ActionRepos.serve(dir.resolve("source"));
    Map<String, String> files = new LinkedHashMap<>();
    files.put(".github/workflows/ci.yml", CI);
    files.put(".github/workflows/build.yml", BUILD);
    server = TestServer.withFiles(dir, files, "actions:\n  sources:\n    - " + source + "\n");
    TestServer.Answer pushed = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
    List<?> runs = (List<?>) json(pushed).get("runs");
    assertThat(runs).hasSize(1);
    long run = ((Number) runs.get(0)).longValue();
    Map<?, ?> done = awaitCompleted(run);
    String log = server.send("GET", "/api/runs/" + run + "/logs", Map.of(), new byte[0]).body();
    assertThat(done.get("conclusion")).as(log).isEqualTo("success");

    Map<String, Object> jobs = new LinkedHashMap<>();
    for (Object job : (List<?>) done.get("jobs")) {
      Map<?, ?> j = (Map<?, ?>) job;
      jobs.put(String.valueOf(j.get("name")), j.get("conclusion"));
    }
    assertThat(jobs)
        .containsEntry("hello", "success")
        .containsEntry("elsewhere", "skipped")
        .containsEntry("mac", "skipped")
        .containsEntry("reuse / inner", "success")
        .containsEntry("after", "success");
    String arch =
        switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
          case "amd64", "x86_64" -> "X64";
          case "aarch64", "arm64" -> "ARM64";
          default -> System.getProperty("os.arch").toUpperCase(Locale.ROOT);
        };
    assertThat(log)
        .contains("Hello, Gantry!")
        .contains("time-set=true")
        .contains("repo=acme/web owner=acme os=Linux arch=" + arch + " env=acme")
        .contains("skipped: runs-on asks for macOS (macos-latest); this runner is Linux")
        .contains("got=hi from the caller in acme/web")
        .doesNotContain("never-here")
        .doesNotContain("never-on-linux");
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 180_000;
    while (true) {
      Map<?, ?> run = json(server.send("GET", "/api/runs/" + id, Map.of(), new byte[0]));
      if ("COMPLETED".equals(run.get("status")) || System.currentTimeMillis() > deadline) {
        return run;
      }
      Thread.sleep(100);
    }
  }

  private static Map<?, ?> json(TestServer.Answer answer) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(answer.body());
  }
}
