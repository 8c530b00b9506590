package io.gantry.runner.log;

import io.gantry.runner.files.PrivateFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Step logs as append-only files under {@code <data-dir>/logs/<run-id>/}, one file per step, named
 * so that a plain sort gives execution order within a job: {@code <job-key>/<step-number>.log}.
 *
 * <p>Lines arrive already masked and timestamped; the store only keeps them.
 */
public final class LogStore {

  private final Path root;
  private final java.util.Set<Path> createdFolders =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  public LogStore(Path dataDir) {
    this.root = dataDir.resolve("logs");
  }

  /** Opens the log of one step for appending. The caller closes it. */
  public StepLogFile open(long runId, String jobKey, int stepNumber) {
    Path file = stepLog(runId, jobKey, stepNumber);
    try {
      if (createdFolders.add(file.getParent())) {
        PrivateFiles.createDirectories(file.getParent());
      }
      return new StepLogFile(
          file,
          new BufferedWriter(
              new OutputStreamWriter(
                  PrivateFiles.newOutputStream(file, true), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open log file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Where the log of one step lives. */
  public Path stepLog(long runId, String jobKey, int stepNumber) {
    return root.resolve(Long.toString(runId))
        .resolve(safe(jobKey))
        .resolve(String.format("%03d.log", stepNumber));
  }

  /**
   * A run's lines in the order they were written, all steps and jobs interleaved as they ran: kept
   * by the server for its live log followers (line numbers that a reconnecting follower resumes
   * from). Not one of {@link #runFiles}.
   */
  public Path lineJournal(long runId) {
    return root.resolve(Long.toString(runId)).resolve("lines.journal");
  }

  /** Appends a line to a run's {@link #lineJournal} when it has one (a run that ran). */
  public void appendToJournal(long runId, String line) {
    Path journal = lineJournal(runId);
    if (!Files.exists(journal)) {
      return;
    }
    try {
      Files.writeString(journal, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + journal + ": " + e.getMessage(), e);
    }
  }

  /** Every line of a step's log; empty when the step wrote nothing. */
  public List<String> read(long runId, String jobKey, int stepNumber) {
    Path file = stepLog(runId, jobKey, stepNumber);
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Every line of every step log of a run, job by job, step by step. */
  public List<String> readRun(long runId) {
    Path dir = root.resolve(Long.toString(runId));
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file :
          files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
        lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read logs of run " + runId + ": " + e.getMessage(), e);
    }
    return lines;
  }

  /**
   * The log files of a run in the order {@link #readRun} reads them, for a reader that streams them
   * from the disk instead of holding them in memory.
   */
  public List<Path> runFiles(long runId) {
    Path dir = root.resolve(Long.toString(runId));
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list logs of run " + runId + ": " + e.getMessage(), e);
    }
  }

  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /**
   * An open step log. Writes are synchronized: output and workflow commands share one file. Each
   * line is handed to the operating system as it is appended, so a running step's log is readable
   * (the API, {@code gantry logs}) and its lines survive a {@code kill -9} of the server.
   */
  public static final class StepLogFile implements AutoCloseable {
    private final Path path;
    private final BufferedWriter writer;

    StepLogFile(Path path, BufferedWriter writer) {
      this.path = path;
      this.writer = writer;
    }

    public Path path() {
      return path;
    }

    public synchronized void append(String line) {
      try {
        writer.write(line);
        writer.write('\n');
        writer.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write log file " + path + ": " + e.getMessage(), e);
      }
    }

    public synchronized void flush() {
      try {
        writer.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write log file " + path + ": " + e.getMessage(), e);
      }
    }

    @Override
    public synchronized void close() {
      try {
        writer.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close log file " + path + ": " + e.getMessage(), e);
      }
    }
  }
}
