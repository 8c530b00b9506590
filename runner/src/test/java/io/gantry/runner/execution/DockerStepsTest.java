package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.testing.TestRegistry;
import io.gantry.runner.workflow.Workflow;
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
 * {@code docker build}, {@code docker login} and {@code docker push} in {@code run:} steps on a
 * host with Podman and no Docker engine, against a real registry: the job's {@code docker} is
 * Gantry's (not a Docker client elsewhere on the PATH), and a login lasts for its job only.
 */
@Tag("containers")
class DockerStepsTest {

  @RegisterExtension static TestRegistry registry = new TestRegistry();

  @TempDir Path data;
  @TempDir Path source;

  @Test
  void aJobBuildsLogsInAndPushesWithDockerAndTheNextJobIsNotLoggedIn() throws Exception {
    Podman podman = Podman.require();
    BusyboxImage.ensure(podman);
    String image = registry.host() + "/tests/docker-steps:1";
    String yaml =
        """
        on: push
        env:
          IMAGE: %s
          REGISTRY: %s
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo "docker is $(command -v docker)"
              - run: |
                  printf 'FROM %s\\nCOPY hello.txt /hello.txt\\n' > Dockerfile
                  echo hello from docker build > hello.txt
                  docker build -q -t "$IMAGE" .
              - env:
                  PASSWORD: ${{ secrets.REGISTRY_PASSWORD }}
                run: |
                  echo "$PASSWORD" | docker login --tls-verify=false -u gantry --password-stdin "$REGISTRY"
                  grep -q "$REGISTRY" "$REGISTRY_AUTH_FILE" && echo "login kept in the job's auth file"
              - run: docker push -q --tls-verify=false "$IMAGE"
          other:
            needs: build
            runs-on: ubuntu-latest
            steps:
              - run: |
                  if docker push -q --tls-verify=false "$IMAGE"; then exit 1; fi
                  echo "not logged in: the push was refused"
        """
            .formatted(image, registry.host(), BusyboxImage.NAME);
    List<String> lines = new CopyOnWriteArrayList<>();
    RunResult result;
    try {
      result = run(yaml, Map.of("REGISTRY_PASSWORD", TestRegistry.PASSWORD), lines);
    } finally {
      podman.run("rmi", image);
    }
    String log = String.join("\n", lines);
    assertThat(result.conclusion()).as(log).isEqualTo(Conclusion.SUCCESS);
    assertThat(log)
        .contains("docker is " + data.toAbsolutePath().resolve("containers/bin/docker"))
        .contains("login kept in the job's auth file")
        .contains("not logged in: the push was refused")
        .doesNotContain(TestRegistry.PASSWORD);
    assertThat(registry.manifest("tests/docker-steps", "1").statusCode()).isEqualTo(200);
    // the run's temporary folder, with the job's login in it, is gone with the run
    assertThat(Files.exists(data.resolve("tmp"))).isTrue();
    try (var left = Files.walk(data.resolve("tmp"))) {
      assertThat(left.filter(p -> p.getFileName().toString().equals("config.json")).toList())
          .isEmpty();
    }
  }

  private RunResult run(String yaml, Map<String, String> secrets, List<String> lines)
      throws Exception {
    Workflow workflow =
        new WorkflowParser(BuiltInActions.registry()).parse(yaml, Path.of("ci.yml"), "ci.yml");
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data),
                StepRunners.builtIn(BuiltInActions.registry()))) {
      return executor
          .start(
              new RunRequest(
                  workflow,
                  "acme/web",
                  "push",
                  Map.of("ref", "refs/heads/main"),
                  "refs/heads/main",
                  "0123456789abcdef0123456789abcdef01234567",
                  Map.of(),
                  secrets,
                  Map.of(),
                  Map.of(),
                  Set.of(),
                  source,
                  null,
                  null,
                  "tester"),
              new RunListener() {
                @Override
                public void logLine(String jobKey, LogLine line) {
                  lines.add(line.text());
                }
              })
          .await();
    }
  }
}
