package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code gantry run} killed with {@code kill -9} leaves its step processes (and a daemon one of
 * them started with {@code setsid}) running and its run in progress; the next {@code gantry run} on
 * the same data directory kills those processes, concludes that run as failed and removes its
 * folders, while the steps of another {@code gantry run} still running on that data directory go
 * on. Real {@code gantry run} processes, a real {@code kill -9}, real {@code sleep} processes.
 */
class KilledRunTest {

  static final String KILLED_STEP = "sleep 4252";
  static final String KILLED_DAEMON = "sleep 4251";
  static final String LIVE_STEP = "sleep 4253";

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopWhatThisTestStarted() {
    started.forEach(Process::destroyForcibly);
    for (String marker : List.of(KILLED_STEP, KILLED_DAEMON, LIVE_STEP)) {
      processes(marker).forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void theNextRunKillsAKilledRunsStepsAndConcludesItsRunButLeavesALiveRunAlone() throws Exception {
    Path data = dir.resolve("data");
    Path live =
        repository(
            "live",
            "name: live\non: push\njobs:\n  l:\n    runs-on: x\n    steps:\n      - run: "
                + LIVE_STEP
                + "\n");
    Path killed =
        repository(
            "killed",
            "name: killed\non: push\njobs:\n  k:\n    runs-on: x\n    steps:\n      - run: |\n"
                + "          setsid "
                + KILLED_DAEMON
                + " > /dev/null 2>&1 < /dev/null &\n          "
                + KILLED_STEP
                + "\n");
    Path quick =
        repository(
            "quick",
            "name: quick\non: push\njobs:\n  q:\n    runs-on: x\n    steps:\n      - run: 'true'\n");

    Process liveRun = gantryRun(live, data, "live.out");
    awaitProcess(LIVE_STEP);
    Process killedRun = gantryRun(killed, data, "killed.out");
    awaitProcess(KILLED_STEP);
    awaitProcess(KILLED_DAEMON);
    assertThat(processes(LIVE_STEP))
        .as("a starting gantry run leaves a live one's step")
        .isNotEmpty();

    killedRun.destroyForcibly(); // SIGKILL: the JVM dies, its steps do not
    killedRun.waitFor();
    assertThat(processes(KILLED_STEP)).as("the step outlives its killed gantry run").isNotEmpty();
    long killedRunId;
    try (RunStore store = Stores.openEmbedded(data)) {
      RunHistory.RunRecord run = runOf(store, "killed");
      assertThat(run.status()).isEqualTo(RunStatus.IN_PROGRESS);
      killedRunId = run.id();
    }
    assertThat(data.resolve("tmp/" + killedRunId)).exists();

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Gantry.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "run",
            quick.toString(),
            "--data-dir",
            data.toString());
    assertThat(exit).as(err.toString()).isZero();

    assertThat(processes(KILLED_STEP)).as("the killed gantry run's step").isEmpty();
    assertThat(processes(KILLED_DAEMON)).as("the killed gantry run's setsid daemon").isEmpty();
    assertThat(processes(LIVE_STEP)).as("the live gantry run's step").isNotEmpty();
    assertThat(liveRun.isAlive()).isTrue();
    try (RunStore store = Stores.openEmbedded(data)) {
      RunHistory.RunRecord run = store.findRun(killedRunId).orElseThrow();
      assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(run.conclusion()).isEqualTo(Result.FAILURE);
      assertThat(runOf(store, "live").status()).isEqualTo(RunStatus.IN_PROGRESS);
      assertThat(String.join("\n", new LogStore(data).readRun(killedRunId)))
          .contains("the run was interrupted: the gantry run process running it");
    }
    assertThat(data.resolve("tmp/" + killedRunId)).doesNotExist();
    assertThat(data.resolve("workspaces/" + killedRunId)).doesNotExist();
    try (var owners = Files.list(data.resolve("tmp/owners"))) {
      assertThat(owners.map(f -> f.getFileName().toString()))
          .as("the killed gantry run's record of its runs")
          .noneMatch(name -> name.startsWith(killedRun.pid() + "."));
    }
  }

  private Path repository(String name, String workflow) throws Exception {
    Path repo = dir.resolve(name);
    Files.createDirectories(repo.resolve(".github/workflows"));
    Files.writeString(repo.resolve(".github/workflows/" + name + ".yml"), workflow);
    return repo;
  }

  private Process gantryRun(Path repo, Path data, String output) throws Exception {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "io.gantry.cli.Gantry",
            "run",
            repo.toString(),
            "--data-dir",
            data.toString());
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(output).toFile())
            .start();
    started.add(process);
    return process;
  }

  private static RunHistory.RunRecord runOf(RunStore store, String workflow) {
    return store.listRuns(100).stream()
        .filter(r -> r.workflowName().equals(workflow))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no run of " + workflow));
  }

  private static List<ProcessHandle> processes(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains(marker))
        .toList();
  }

  private void awaitProcess(String marker) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (processes(marker).isEmpty() && System.currentTimeMillis() < deadline) {
      for (Process p : started) {
        if (!p.isAlive()) {
          throw new AssertionError(
              "gantry run ended early: " + Files.readString(dir.resolve(output(p))));
        }
      }
      Thread.sleep(50);
    }
    assertThat(processes(marker)).as(marker).isNotEmpty();
  }

  private String output(Process p) {
    return started.indexOf(p) == 0 ? "live.out" : "killed.out";
  }
}
