package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only *.yml and *.yaml files under the size limit are read from .github/workflows; a huge one is
 * an invalid workflow, not a push that fails forever.
 */
class WorkflowFilesTest {

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aHugeWorkflowFileIsReportedAsInvalidAndTheOthersStillRun() throws Exception {
    server =
        TestServer.start(
            dir,
            "name: ci\non: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo hi\n",
            "");
    // 60 MB: over JGit's in-memory threshold, which made every delivery of this commit a 503.
    String huge = "#" + "x".repeat(60 * 1024 * 1024) + "\n";
    String commit =
        server.repos.commit(
            "huge",
            Map.of(
                ".github/workflows/huge.yml",
                huge,
                ".github/workflows/notes.bin",
                "not a workflow\n"));
    server.repos.push();

    TestServer.Answer answer =
        server.deliver(
            GitHookPayload.of(
                "acme/web",
                new PostReceive.RefUpdate(server.second, commit, "refs/heads/main"),
                "dev"),
            Map.of());

    assertThat(answer.status()).as(answer.body()).isEqualTo(202);
    assertThat(answer.body()).contains("\"runs\":[1,2]");
    TestServer.Answer invalid = server.send("GET", "/api/runs/1/logs", Map.of(), new byte[0]);
    assertThat(invalid.body())
        .contains(".github/workflows/huge.yml")
        .contains(
            "the workflow file is " + huge.length() + " bytes, over the limit of 512000 bytes");
    TestServer.Answer run = server.send("GET", "/api/runs/1", Map.of(), new byte[0]);
    assertThat(run.body()).contains("\"conclusion\":\"failure\"");
  }
}
