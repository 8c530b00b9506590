package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.TestRegistry;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry/build-image} as a workflow uses it: inputs from expressions, the password from
 * {@code secrets}, outputs read by a later step, the layer cache in the data directory; through the
 * real parser, executor and store, pushing to a real registry.
 */
@Tag("containers")
class BuildImageWorkflowTest {

  @RegisterExtension static final TestRegistry registry = new TestRegistry();

  private static final String SHA = "feedc0de0123456789abcdef0123456789abcdef";

  @TempDir Path data;
  @TempDir Path repo;

  @Test
  void aStepBuildsAndPushesAndALaterStepReadsItsOutputs() throws Exception {
    Path file = repo.resolve("workflow.yml");
    Files.writeString(
        file,
        """
        on: push
        jobs:
          image:
            runs-on: ubuntu-latest
            steps:
              - run: mkdir -p site && echo "hello" > site/index.html
              - id: image
                uses: gantry/build-image@v1
                with:
                  image: ${{ vars.REGISTRY }}/site
                  type: files
                  tags: ${{ github.sha }},latest
                  layers: |
                    - {from: site, to: /www}
                  entrypoint: /bin/busybox httpd -f -p 8080 -h /www
                  username: ${{ vars.REGISTRY_USER }}
                  password: ${{ secrets.REGISTRY_PASSWORD }}
              - run: |
                  echo "image=${{ steps.image.outputs.image }}"
                  echo "ref=${{ steps.image.outputs.image-ref }}"
                  echo "digest=${{ steps.image.outputs.digest }}"
        """);
    Workflow workflow = new WorkflowParser(BuiltInActions.registry()).parse(file, "workflow.yml");
    List<String> lines = new CopyOnWriteArrayList<>();
    RunResult result;
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(), store, ExecutorOptions.defaults(data))) {
      RunRequest request =
          new RunRequest(
              workflow,
              "acme/site",
              "push",
              Map.of("ref", "refs/heads/main"),
              "refs/heads/main",
              SHA,
              Map.of(),
              Map.of("REGISTRY_PASSWORD", TestRegistry.PASSWORD),
              Map.of("REGISTRY", registry.host(), "REGISTRY_USER", TestRegistry.USERNAME),
              Map.of(),
              Set.of(),
              repo,
              null,
              null,
              "tester");
      result =
          executor
              .start(
                  request,
                  new RunListener() {
                    @Override
                    public void logLine(String jobKey, LogLine line) {
                      lines.add(line.text());
                    }
                  })
              .await();
    }

    String log = String.join("\n", lines);
    assertThat(result.conclusion().label()).as(log).isEqualTo("success");
    String digest =
        registry
            .manifest("site", "latest")
            .headers()
            .firstValue("Docker-Content-Digest")
            .orElseThrow();
    assertThat(registry.manifest("site", SHA).headers().firstValue("Docker-Content-Digest"))
        .hasValue(digest);
    assertThat(log)
        .contains("image=" + registry.host() + "/site:" + SHA)
        .contains("ref=" + registry.host() + "/site@" + digest)
        .contains("digest=" + digest)
        .contains("Built layer 'files 1 /www'")
        .doesNotContain(TestRegistry.PASSWORD);
    assertThat(data.resolve("cache/jib/app")).isDirectory();
  }

  @Test
  void theRequiredInputsAreCheckedWhenTheWorkflowIsRead() throws Exception {
    Path file = repo.resolve("workflow.yml");
    Files.writeString(
        file,
        """
        on: push
        jobs:
          image:
            runs-on: ubuntu-latest
            steps:
              - uses: gantry/build-image@v1
                with:
                  type: files
                  tag: v1
        """);

    WorkflowException e =
        catchThrowableOfType(
            WorkflowException.class,
            () -> new WorkflowParser(BuiltInActions.registry()).parse(file, "workflow.yml"));

    assertThat(e.problems().stream().map(Object::toString))
        .anyMatch(
            p -> p.endsWith("gantry/build-image@v1 requires input 'image'; add it under with:"))
        .anyMatch(
            p -> p.contains("unknown input 'tag' for gantry/build-image@v1") && p.contains("tags"));
  }
}
