package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import io.gantry.runner.testing.TestRegistry;
import io.gantry.runner.testing.Tools;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service containers and job containers on real Podman: a service pulled with credentials from a
 * real registry and reached from a step, a job container running the steps, and nothing left behind
 * however the job ends.
 */
@Tag("containers")
class ContainerJobsTest {

  @RegisterExtension static TestRegistry registry = new TestRegistry();

  static Podman podman;
  static String remoteImage;

  @TempDir Path data;
  @TempDir Path source;

  @BeforeAll
  static void images() throws Exception {
    podman = Podman.require();
    Tools.require("curl");
    BusyboxImage.ensure(podman);
    String local = BusyboxImage.WEB;
    remoteImage = registry.host() + "/tests/busybox:1";
    podman.run("tag", local, remoteImage).orThrow();
    podman
        .run(
            "push",
            "-q",
            "--tls-verify=false",
            "--creds",
            TestRegistry.USERNAME + ":" + TestRegistry.PASSWORD,
            remoteImage)
        .orThrow();
    // the job must pull it itself
    podman.run("rmi", remoteImage).orThrow();
  }

  /** How long a pull may take in these runs (the executor's default unless a test sets it). */
  java.time.Duration pullTimeout = ExecutorOptions.DEFAULT_PULL_TIMEOUT;

  record Outcome(RunResult result, List<String> lines) {
    String log() {
      return String.join("\n", lines);
    }
  }

  Outcome run(String yaml, Map<String, String> secrets) throws Exception {
    Workflow workflow =
        new WorkflowParser(BuiltInActions.registry()).parse(yaml, Path.of("ci.yml"), "ci.yml");
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data)
                    .withKillGracePeriod(java.time.Duration.ofSeconds(1))
                    .withPullTimeout(pullTimeout),
                StepRunners.builtIn(BuiltInActions.registry()))) {
      RunResult result =
          executor
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
      return new Outcome(result, lines);
    }
  }

  /** Containers and networks of this test's data directory still there. */
  List<String> leftovers() throws Exception {
    String store =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(
                        data.toAbsolutePath()
                            .normalize()
                            .toString()
                            .getBytes(StandardCharsets.UTF_8)),
                0,
                6);
    String containers =
        podman
            .run("ps", "-a", "--filter", "label=io.gantry.store=" + store, "--format", "{{.Names}}")
            .orThrow()
            .out();
    String networks = podman.run("network", "ls", "--format", "{{.Name}}").orThrow().out();
    List<String> left = new java.util.ArrayList<>();
    for (String c : containers.split("\n")) {
      if (!c.isBlank()) {
        left.add(c);
      }
    }
    for (String n : networks.split("\n")) {
      if (n.startsWith("gantry-" + store)) {
        left.add(n);
      }
    }
    return left;
  }

  @Test
  void aServicePulledWithCredentialsIsHealthyBeforeTheFirstStepAndReachedOnItsMappedPort()
      throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                services:
                  web:
                    image: %s
                    credentials:
                      username: %s
                      password: ${{ secrets.REGISTRY_PASSWORD }}
                    env:
                      GREETING: hello-from-service
                    ports: ['8080']
                    options: >-
                      --health-cmd "wget -q -O /dev/null http://127.0.0.1:8080/"
                      --health-interval 1s --health-retries 20
                steps:
                  - run: |
                      echo "id ${{ job.services.web.id != '' }} network ${{ job.services.web.network != '' }}"
                      curl -sS http://localhost:${{ job.services.web.ports['8080'] }}/
            """
                .formatted(remoteImage, TestRegistry.USERNAME),
            Map.of("REGISTRY_PASSWORD", TestRegistry.PASSWORD));
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines()).contains("id true network true", "hello-from-service");
    assertThat(out.log())
        .contains("Service 'web' is healthy")
        .doesNotContain(TestRegistry.PASSWORD);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void aServiceThatNeverGetsHealthyFailsTheJobWithItsLastHealthOutputAndLeavesNothing()
      throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                services:
                  db:
                    image: %s
                    options: --health-cmd "echo not ready yet; exit 1" --health-interval 1s --health-timeout 1s --health-retries 2
                steps:
                  - run: echo should not run
            """
                .formatted(BusyboxImage.WEB),
            Map.of());
    assertThat(out.result().conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(out.result().jobs().get(0).message())
        .startsWith("job 'test': service 'db' (" + BusyboxImage.WEB + ") did not become healthy")
        .contains("last health check: exit code 1, not ready yet")
        .doesNotContain("\n");
    assertThat(out.lines()).doesNotContain("should not run");
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void stepsRunInTheJobContainerWithTheWorkspaceMountedAndServicesReachableByTheirIds()
      throws Exception {
    Outcome out =
        run(
            """
            on: push
            env:
              FROM_WORKFLOW: workflow-value
            jobs:
              build:
                runs-on: ubuntu-latest
                container:
                  image: %s
                  env:
                    IN_CONTAINER: container-value
                services:
                  web:
                    image: %s
                    env: {GREETING: hello-by-name}
                steps:
                  - run: |
                      echo "workspace $GITHUB_WORKSPACE pwd $(pwd) home $HOME"
                      echo "$FROM_WORKFLOW $IN_CONTAINER ${{ secrets.TOKEN }}"
                      echo from-step-one > made.txt
                      echo "NEXT=exported" >> "$GITHUB_ENV"
                      echo "answer=42" >> "$GITHUB_OUTPUT"
                    id: one
                  - run: |
                      echo "read $(cat made.txt) $NEXT ${{ steps.one.outputs.answer }}"
                      wget -q -O - http://web:8080/
                      test ! -e /etc/debian_version && echo inside-busybox
                      echo "job container ${{ job.container.id != '' }}"
            """
                .formatted(BusyboxImage.NAME, BusyboxImage.WEB),
            Map.of("TOKEN", "s3cret-token"));
    assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.SUCCESS);
    assertThat(out.lines())
        .contains(
            "workspace /__w/web/web pwd /__w/web/web home /github/home",
            "workflow-value container-value ***",
            "read from-step-one exported 42",
            "hello-by-name",
            "inside-busybox",
            "job container true");
    // the workspace on the host saw the file (the job's own folder under the run's)
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void aJobContainerThatCannotStartFailsTheJobNamingItsImage() throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                container: 127.0.0.1:1/nothing/here:1
                steps:
                  - run: echo never
            """,
            Map.of());
    assertThat(out.result().conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(out.result().jobs().get(0).message())
        .startsWith(
            "job 'build': job container (127.0.0.1:1/nothing/here:1): cannot pull the image:");
    assertThat(leftovers()).isEmpty();
  }

  @Test
  @org.junit.jupiter.api.Timeout(180) // a guard: before the fix the pull never returned
  void aRegistryThatNeverAnswersFailsThePullWithinItsTimeoutNamingJobServiceAndImage()
      throws Exception {
    // a registry address that accepts connections and never answers
    try (java.net.ServerSocket stall =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> held = new CopyOnWriteArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(stall.accept());
                  }
                } catch (java.io.IOException e) {
                  // closed at the end of the test
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String image = "127.0.0.1:" + stall.getLocalPort() + "/stalled/db:1";
      pullTimeout = java.time.Duration.ofSeconds(3);
      Outcome out =
          run(
              """
              on: push
              jobs:
                build:
                  runs-on: ubuntu-latest
                  container: %s
                  services:
                    db:
                      image: %s
                  steps:
                    - run: echo never
              """
                  .formatted(BusyboxImage.NAME, image),
              Map.of());
      assertThat(out.result().conclusion()).isEqualTo(Conclusion.FAILURE);
      assertThat(out.result().jobs().get(0).message())
          .isEqualTo(
              "job 'build': service 'db' ("
                  + image
                  + "): cannot pull the image: the pull of "
                  + image
                  + " did not finish within 3 s; the registry did not answer in time (gantry.yml"
                  + " limits.pull-timeout-seconds sets how long a pull may take)");
      assertThat(held).as("the pull reached the stalled registry").isNotEmpty();
      assertThat(out.lines()).doesNotContain("never");
      // the job container started beside the pull is gone too, with the network
      assertThat(leftovers()).isEmpty();
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void aTimedOutJobInAContainerLeavesNoContainerBehind() throws Exception {
    Outcome out =
        run(
            """
            on: push
            jobs:
              slow:
                runs-on: ubuntu-latest
                timeout-minutes: 0.05
                container: %s
                services:
                  web: {image: %s}
                steps:
                  - run: sleep 60
                  - if: always()
                    run: echo after-timeout
            """
                .formatted(BusyboxImage.NAME, BusyboxImage.WEB),
            Map.of());
    assertThat(out.result().conclusion()).isEqualTo(Conclusion.FAILURE);
    assertThat(out.result().jobs().get(0).message()).contains("timeout");
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void orphansOfRunsThatAreNoLongerRunningAreRemovedAtStartUp() throws Exception {
    String store =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(
                        data.toAbsolutePath()
                            .normalize()
                            .toString()
                            .getBytes(StandardCharsets.UTF_8)),
                0,
                6);
    String network = "gantry-" + store + "-77-abcdef";
    podman.run("network", "create", "--label", "io.gantry.store=" + store, network).orThrow();
    for (String run : List.of("77", "78")) {
      podman
          .run(
              "run",
              "-d",
              "--name",
              "gantry-" + store + "-" + run + "-orphan",
              "--label",
              "io.gantry.store=" + store,
              "--label",
              "io.gantry.run=" + run,
              BusyboxImage.NAME,
              "sleep",
              "300")
          .orThrow();
    }
    // a data directory whose jobs have started containers
    java.nio.file.Files.createDirectories(data.resolve("containers"));
    List<String> removed = io.gantry.runner.container.Orphans.sweep(data, runId -> runId == 78);
    assertThat(removed).containsExactlyInAnyOrder("gantry-" + store + "-77-orphan", network);
    assertThat(leftovers()).containsExactly("gantry-" + store + "-78-orphan");
    podman.run("rm", "-f", "-t", "0", "gantry-" + store + "-78-orphan").orThrow();
  }
}
