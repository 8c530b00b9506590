package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running step's output is in its log file as it comes: {@code GET /api/runs/{id}/logs} shows it
 * while the step still runs, and it survives a {@code kill -9} of a real server process.
 */
class RunningStepLogTest {

  static final String MARKER = "sleep 4141";

  @TempDir Path dir;

  @AfterEach
  void stopLeftProcesses() {
    // Started by this test (a step of the killed server); stopped here whatever the server did.
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(MARKER))
        .forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void aRunningStepsLinesAreReadableAndSurviveKillNineOfTheServer() throws Exception {
    String workflow =
        "name: talk\non: workflow_dispatch\njobs:\n  t:\n    runs-on: x\n    steps:\n"
            + "      - run: |\n          for i in $(seq 1 40); do echo \"line-$i\"; done\n"
            + "          "
            + MARKER
            + "\n";
    try (KilledServerFixture server = new KilledServerFixture(dir, Map.of("talk.yml", workflow))) {
      server.start();
      long id = server.dispatch("talk.yml");
      server.awaitStatus(id, "IN_PROGRESS");

      String whileRunning = server.awaitLog(id, "line-40");
      assertThat(whileRunning).contains("line-1\n", "line-40\n");
      assertThat(server.run(id).get("status")).isEqualTo("IN_PROGRESS");

      server.killNine();
      String onDisk;
      try (Stream<Path> files = Files.walk(server.data().resolve("logs/" + id))) {
        StringBuilder all = new StringBuilder();
        for (Path file : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
          all.append(Files.readString(file, StandardCharsets.UTF_8));
        }
        onDisk = all.toString();
      }
      IntStream.rangeClosed(1, 40).forEach(i -> assertThat(onDisk).contains("line-" + i + "\n"));

      server.start();
      server.awaitStatus(id, "COMPLETED");
      String after = server.get("/api/runs/" + id + "/logs");
      IntStream.rangeClosed(1, 40).forEach(i -> assertThat(after).contains("line-" + i + "\n"));
      assertThat(after).contains("the run was interrupted");
    }
  }
}
