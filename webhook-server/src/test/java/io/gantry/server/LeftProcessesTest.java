package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes a job started that left its process group ({@code setsid}) die with the job; and the
 * step processes of a server killed with {@code kill -9} are killed when it starts again. A real
 * server process, real {@code setsid sleep} daemons.
 */
class LeftProcessesTest {

  static final String DAEMON = "sleep 4343";
  static final String STEP = "sleep 4242";
  static final String KILLED_DAEMON = "sleep 4244";

  @TempDir Path dir;

  @AfterEach
  void stopLeftProcesses() {
    // Started by this test; stopped here whatever the server did.
    for (String marker : List.of(DAEMON, STEP, KILLED_DAEMON)) {
      processes(marker).forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aSetsidDaemonDiesWithItsJobAndAKilledServersStepsDieAtItsRestart() throws Exception {
    String daemon =
        "name: daemon\non: workflow_dispatch\njobs:\n  d:\n    runs-on: x\n    steps:\n"
            + "      - run: setsid "
            + DAEMON
            + " > /dev/null 2>&1 < /dev/null &\n      - run: echo second-step\n";
    String slow =
        "name: slow\non: workflow_dispatch\njobs:\n  s:\n    runs-on: x\n    steps:\n"
            + "      - run: |\n          setsid "
            + KILLED_DAEMON
            + " > /dev/null 2>&1 < /dev/null &\n          "
            + STEP
            + "\n";
    try (KilledServerFixture server =
        new KilledServerFixture(dir, Map.of("daemon.yml", daemon, "slow.yml", slow))) {
      server.start();
      long first = server.dispatch("daemon.yml");
      assertThat(server.awaitStatus(first, "COMPLETED").get("conclusion")).isEqualTo("success");
      assertThat(processes(DAEMON)).as("the job's setsid daemon").isEmpty();

      long second = server.dispatch("slow.yml");
      server.awaitStatus(second, "IN_PROGRESS");
      awaitProcess(STEP);
      awaitProcess(KILLED_DAEMON);
      server.killNine();
      assertThat(processes(STEP)).as("the step outlives the killed server").isNotEmpty();

      server.start();
      assertThat(processes(STEP)).as("the killed server's step").isEmpty();
      assertThat(processes(KILLED_DAEMON)).as("the killed server's daemon").isEmpty();
      assertThat(server.awaitStatus(second, "COMPLETED").get("conclusion")).isEqualTo("failure");
    }
  }

  private static List<ProcessHandle> processes(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains(marker))
        .toList();
  }

  private static void awaitProcess(String marker) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (processes(marker).isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(processes(marker)).as(marker).isNotEmpty();
  }
}
