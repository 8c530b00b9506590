package io.gantry.server;

import io.gantry.runner.files.PrivateFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

  /** Every this many lines, where the next starts in the journal is noted (see {@link #mark}). */
  static final int MARK = LogFollower.BATCH;

  private final long runId;
  private final Path journal;
  private final String[] recent = new String[RECENT];
  private OutputStream writer;
  private long count = -1;

  /** The journal's size in bytes: where the next line goes. */
  private long size;

  /** Where line {@code k × MARK + 1} starts in the journal, for each k so far. */
  private long[] marks = new long[16];

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
              new BufferedOutputStream(
                  Files.newOutputStream(journal, StandardOpenOption.APPEND), 8192);
        }
        byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
        writer.write(utf8);
        writer.write('\n');
        writer.flush();
        size += utf8.length + 1;
      } catch (IOException e) {
        // The live followers still get the lines in memory; only a resume from disk is lost.
        journalProblem = "cannot write " + journal + ": " + e.getMessage();
      }
    }
    count++;
    recent[(int) ((count - 1) % RECENT)] = line;
    noteMark();
  }

  /**
   * Where to start reading the journal for the lines after {@code after}: {@code {n, offset}}, n
   * the largest multiple of {@link #MARK} not over {@code after} (and not over what is written),
   * offset where line n + 1 starts in the journal; so a follower catching up from the journal does
   * not read it from its first byte.
   */
  synchronized long[] mark(long after) {
    counted();
    long k = Math.min(Math.max(0, after), count) / MARK;
    if (journalProblem != null || k >= marks.length) {
      return new long[] {0, 0};
    }
    return new long[] {k * MARK, marks[(int) k]};
  }

  /**
   * Where every {@link #MARK}-th line ends in the journal (see {@link #mark}), so far; null when
   * the journal could not be written.
   */
  synchronized long[] marks() {
    counted();
    if (journalProblem != null) {
      return null;
    }
    return java.util.Arrays.copyOf(marks, (int) (count / MARK) + 1);
  }

  private void noteMark() {
    if (count % MARK == 0 && journalProblem == null) {
      int k = (int) (count / MARK);
      if (k >= marks.length) {
        marks = java.util.Arrays.copyOf(marks, marks.length * 2);
      }
      marks[k] = size;
    }
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
    size = 0;
    marks[0] = 0;
    if (Files.exists(journal)) {
      try (InputStream in = Files.newInputStream(journal)) {
        byte[] buffer = new byte[65536];
        int n;
        while ((n = in.read(buffer)) > 0) {
          for (int i = 0; i < n; i++) {
            if (buffer[i] == '\n') {
              count++;
              long end = size + i + 1;
              if (count % MARK == 0) {
                int k = (int) (count / MARK);
                if (k >= marks.length) {
                  marks = java.util.Arrays.copyOf(marks, marks.length * 2);
                }
                marks[k] = end;
              }
            }
          }
          size += n;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + journal + ": " + e.getMessage(), e);
      }
    }
  }
}
