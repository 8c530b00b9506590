package io.gantry.localecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Nothing local-ecs starts is left behind or doubled: after kill -9 the next start stops the old
 * registry and engine service (and keeps the registry's port); a stop of local-ecs lets stopping
 * tasks finish stopping before the engine goes down; containers a dead engine left "stopping" are
 * finished on the next start.
 */
@Tag("containers")
class ChildrenTest {

  @TempDir Path dataDir;

  @Test
  void aRestartAfterKill9StopsTheOldChildrenAndKeepsTheRegistryPort() throws Exception {
    TestSupport.requireContainers();
    LocalEcsProcess.Started first = LocalEcsProcess.start(dataDir);
    long registryPid = pid(dataDir.resolve("registry/registry.pid"));
    long podmanPid = pid(dataDir.resolve("podman/podman.pid"));
    first.process().destroyForcibly().waitFor();
    // What kill -9 leaves: both children still running.
    assertThat(alive(registryPid)).isTrue();
    assertThat(alive(podmanPid)).isTrue();

    try (LocalEcs second = LocalEcs.start(TestSupport.options(dataDir))) {
      assertThat(second.registry()).isEqualTo(first.registry());
      assertThat(alive(registryPid)).isFalse();
      assertThat(alive(podmanPid)).isFalse();
      assertThat(processesWith(dataDir.resolve("registry/config.yml").toString())).hasSize(1);
      assertThat(processesWith(dataDir.resolve("podman/podman.sock").toString())).hasSize(1);
    }
    assertThat(processesWith(dataDir.resolve("registry/config.yml").toString())).isEmpty();
    assertThat(processesWith(dataDir.resolve("podman/podman.sock").toString())).isEmpty();
    assertThat(dataDir.resolve("registry/registry.pid")).doesNotExist();
    assertThat(dataDir.resolve("podman/podman.pid")).doesNotExist();
  }

  @Test
  void stoppingLocalEcsWhileATaskStopsLetsItFinishStopping() throws Exception {
    String taskArn;
    try (LocalEcs local = TestSupport.start(dataDir);
        EcsClient ecs = TestSupport.ecs(local.endpoint())) {
      taskArn = runStubbornTask(ecs, 3);
      ecs.stopTask(r -> r.task(taskArn).reason("going away"));
      await().atMost(Duration.ofSeconds(10)).until(() -> "stopping".equals(podmanState(taskArn)));
    }
    // The container got its SIGKILL after the stop timeout and was removed; none is "stopping".
    assertThat(podmanState(taskArn)).isEmpty();
    try (LocalEcs again = LocalEcs.start(TestSupport.options(dataDir));
        EcsClient ecs = TestSupport.ecs(again.endpoint())) {
      Task task = EcsApiTest.describeIn(ecs, taskArn);
      assertThat(task.lastStatus()).isEqualTo("STOPPED");
      assertThat(task.stoppedReason()).isEqualTo("going away");
      assertThat(task.containers().get(0).exitCode()).isEqualTo(137);
    }
  }

  @Test
  void aContainerLeftStoppingByADeadEngineIsFinishedOnTheNextStart() throws Exception {
    TestSupport.requireContainers();
    LocalEcsProcess.Started first = LocalEcsProcess.start(dataDir);
    String taskArn;
    try (EcsClient ecs = TestSupport.ecs(first.endpoint())) {
      // Long enough for the engine to die before it sends SIGKILL, even on a busy machine.
      taskArn = runStubbornTask(ecs, 15);
      ecs.stopTask(r -> r.task(taskArn).reason("going away"));
      await().atMost(Duration.ofSeconds(10)).until(() -> "stopping".equals(podmanState(taskArn)));
    }
    long podmanPid = pid(dataDir.resolve("podman/podman.pid"));
    first.process().destroyForcibly().waitFor();
    ProcessHandle podman = ProcessHandle.of(podmanPid).orElseThrow();
    podman.destroy();
    podman.onExit().get();
    // The engine died between SIGTERM and SIGKILL: the container stays "stopping".
    assertThat(podmanState(taskArn)).isEqualTo("stopping");

    try (LocalEcs again = LocalEcs.start(TestSupport.options(dataDir));
        EcsClient ecs = TestSupport.ecs(again.endpoint())) {
      // The stop goes on with what is left of its 15 s.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> EcsApiTest.describeIn(ecs, taskArn).lastStatus().equals("STOPPED"));
      Task task = EcsApiTest.describeIn(ecs, taskArn);
      assertThat(task.stoppedReason()).isEqualTo("going away");
      assertThat(task.containers().get(0).exitCode()).isEqualTo(137);
      assertThat(podmanState(taskArn)).isEmpty();
    }
  }

  /** A task whose PID 1 (sleep, no handler) ignores SIGTERM: only SIGKILL stops it. */
  private static String runStubbornTask(EcsClient ecs, int stopTimeout) {
    ecs.registerTaskDefinition(
        r ->
            r.family("stubborn")
                .containerDefinitions(
                    ContainerDefinition.builder()
                        .name("app")
                        .image(TestImages.BUSYBOX)
                        .command("sleep", "600")
                        .memory(32)
                        .stopTimeout(stopTimeout)
                        .build()));
    String arn = ecs.runTask(r -> r.taskDefinition("stubborn")).tasks().get(0).taskArn();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> EcsApiTest.describeIn(ecs, arn).lastStatus().equals("RUNNING"));
    return arn;
  }

  /** The Podman state of the task's container ("" when there is none), from Podman's CLI. */
  static String podmanState(String taskArn) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "podman",
                "ps",
                "-a",
                "--filter",
                "label=" + TaskRunner.LABEL_TASK + "=" + taskArn,
                "--format",
                "{{.State}}")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor();
    return out.toLowerCase(java.util.Locale.ROOT);
  }

  private static long pid(Path pidFile) throws IOException {
    return Long.parseLong(Files.readString(pidFile).strip().split(" ")[0]);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The pids of the processes whose command line contains the text. */
  static List<Long> processesWith(String text) throws IOException {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmdline =
              new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
          if (cmdline.contains(text)) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return pids;
  }
}
