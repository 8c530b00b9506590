package io.gantry.cli;

import io.gantry.runner.execution.JobMarkers;
import io.gantry.runner.files.PrivateFiles;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which runs of a data directory each {@code gantry run} process runs, so that the next one can
 * clean up after one that was killed ({@code kill -9}, a crash): a file {@code
 * tmp/owners/PROCESS.runs} (PROCESS as {@link JobMarkers#self} names it) lists the ids of the runs
 * it started, and is removed when it ends.
 *
 * <p>At start-up, {@link #sweep} kills the step processes whose Gantry process is gone ({@link
 * JobMarkers#killOrphans}), and concludes as failed the runs that a gone {@code gantry run} left in
 * progress, with a line in their log saying so; their folders and containers are then removed by
 * the usual sweep ({@link io.gantry.runner.execution.StaleRunFiles}), as they no longer run.
 * Another {@code gantry run} (or server) still running on the same data directory keeps its
 * processes and runs.
 */
final class LocalRuns implements AutoCloseable {

  private final Path file;

  private LocalRuns(Path file) {
    this.file = file;
  }

  /** This process's record, created empty (0600); closing it removes it. */
  static LocalRuns record(Path dataDir) throws IOException {
    Path folder = PrivateFiles.createDirectories(owners(dataDir));
    Path file = folder.resolve(JobMarkers.self() + ".runs");
    PrivateFiles.createEmpty(file);
    return new LocalRuns(file);
  }

  /** Notes a run this process started, before anything of it runs long. */
  void started(long runId) {
    try (OutputStream out = PrivateFiles.newOutputStream(file, true)) {
      out.write((runId + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Left for the next sweep, which finds this process gone and removes it.
    }
  }

  /** What a sweep did. */
  record Swept(int processesKilled, List<Long> runsConcluded) {}

  /**
   * Kills what killed Gantry processes left running on the data directory and concludes the runs
   * that killed {@code gantry run}s left in progress.
   */
  static Swept sweep(Path dataDir, RunHistory store) {
    int killed = JobMarkers.killOrphans(dataDir);
    List<Long> concluded = new ArrayList<>();
    Path folder = owners(dataDir);
    if (!Files.isDirectory(folder)) {
      return new Swept(killed, concluded);
    }
    List<Path> records;
    try (Stream<Path> files = Files.list(folder)) {
      records = files.filter(f -> f.getFileName().toString().endsWith(".runs")).toList();
    } catch (IOException e) {
      return new Swept(killed, concluded);
    }
    LogStore logs = new LogStore(dataDir);
    for (Path record : records) {
      String name = record.getFileName().toString();
      String process = name.substring(0, name.length() - ".runs".length());
      if (!process.matches("[0-9]{1,18}\\.[0-9]{1,18}") || JobMarkers.isAlive(process)) {
        continue;
      }
      List<String> lines;
      try {
        lines = Files.readAllLines(record, StandardCharsets.UTF_8);
      } catch (IOException e) {
        continue;
      }
      for (String line : lines) {
        if (!line.strip().matches("[0-9]{1,18}")) {
          continue;
        }
        long runId = Long.parseLong(line.strip());
        Optional<RunHistory.RunRecord> run = store.findRun(runId);
        if (run.isEmpty() || run.get().status() == RunStatus.COMPLETED) {
          continue;
        }
        String why =
            Instant.now()
                + " [gantry] Error: the run was interrupted: the gantry run process running it"
                + " (PID "
                + process.substring(0, process.indexOf('.'))
                + ") stopped before it ended; run it again";
        try (LogStore.StepLogFile log = logs.open(runId, "interrupted", 0)) {
          log.append(why);
        } catch (UncheckedIOException e) {
          // The conclusion below is what matters; the line only explains it.
        }
        store.runFinished(runId, Result.FAILURE, Instant.now());
        concluded.add(runId);
      }
      try {
        Files.deleteIfExists(record);
      } catch (IOException e) {
        // Tried again by the next sweep.
      }
    }
    return new Swept(killed, concluded);
  }

  private static Path owners(Path dataDir) {
    return dataDir.resolve("tmp").resolve("owners");
  }
}
