package io.gantry.server;

import io.gantry.runner.files.PrivateFiles;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One running run's lines, numbered from 1 in the order they were written: appended to its line
 * journal on disk (flushed line by line) and the last {@value #RECENT} kept in memory. Followers
 * never touch the run's thread: {@link LogFanOut} reads what is new here on its own thread, a tick
 * at a time, and a follower that lags reads older lines from the journal.
 *
 * <p>Thread-safety: every method holds this object's lock, and none does more than copy references
 * or write the journal under it.
 */
final class RunLog {

  /** Lines kept in memory per running run. */
  static final int RECENT = 10_000;

  private final long runId;
  private final Path journal;
  private final String[] recent = new String[RECENT];
  private BufferedWriter writer;
  private long count = -1;
  private String conclusion;
  private String journalProblem;

  RunLog(long runId, Path journal) {
    this.runId = runId;
    this.journal = journal;
  }

  long runId() {
    return runId;
  }

  Path journal() {
    return journal;
  }

  synchronized boolean isFinished() {
    return conclusion != null;
  }

  /** Appends one line of the run. */
  synchronized void append(String line) {
    if (conclusion != null) {
      return;
    }
    counted();
    if (journalProblem == null) {
      try {
        if (writer == null) {
          PrivateFiles.createDirectories(journal.getParent());
          if (!Files.exists(journal)) {
            PrivateFiles.createEmpty(journal);
          }
          writer =
              Files.newBufferedWriter(journal, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }
        writer.write(line);
        writer.write('\n');
        writer.flush();
      } catch (IOException e) {
        // The live followers still get the lines in memory; only a resume from disk is lost.
        journalProblem = "cannot write " + journal + ": " + e.getMessage();
      }
    }
    count++;
    recent[(int) ((count - 1) % RECENT)] = line;
  }

  /** The run ended: its followers are told once they have sent every line. */
  synchronized void finish(String conclusion) {
    if (this.conclusion != null) {
      return;
    }
    this.conclusion = conclusion;
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException e) {
        journalProblem = "cannot write " + journal + ": " + e.getMessage();
      }
      writer = null;
    }
  }

  /**
   * The lines after {@code after}, at most {@code max}, from memory; none when line {@code after +
   * 1} is no longer in memory ({@link Slice#oldest} says from where it is: the older ones are in
   * the journal).
   */
  synchronized Slice since(long after, int max) {
    counted();
    long oldest = Math.max(1, count - RECENT + 1);
    List<String> lines = List.of();
    if (after < count && after + 1 >= oldest && max > 0) {
      long last = Math.min(count, after + max);
      String[] copy = new String[(int) (last - after)];
      for (long n = after + 1; n <= last; n++) {
        copy[(int) (n - after - 1)] = recent[(int) ((n - 1) % RECENT)];
      }
      lines = java.util.Arrays.asList(copy);
    }
    return new Slice(lines, count, oldest, conclusion, journalProblem);
  }

  /**
   * Lines from memory, numbered from the position asked for; how many the run has written, the
   * number of the oldest one in memory, its conclusion once it ended (then no line follows), and
   * why the journal cannot be read, if it cannot.
   */
  record Slice(
      List<String> lines, long count, long oldest, String conclusion, String journalProblem) {}

  /** A journal left by an earlier attempt or server is continued, its numbers kept. */
  private void counted() {
    if (count >= 0) {
      return;
    }
    count = 0;
    if (Files.exists(journal)) {
      try (BufferedReader reader = Files.newBufferedReader(journal, StandardCharsets.UTF_8)) {
        while (reader.readLine() != null) {
          count++;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + journal + ": " + e.getMessage(), e);
      }
    }
  }
}
