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
import java.util.ArrayList;
import java.util.List;

/**
 * One running run's lines, numbered from 1 in the order they were written: appended to its line
 * journal on disk (flushed line by line), the last {@value #RECENT} kept in memory, and offered to
 * each live follower's bounded buffer. {@link #append} never waits for a follower: one whose buffer
 * is full is detached, to catch up from here or the journal when it reconnects.
 *
 * <p>Thread-safety: every method holds this object's lock; the lock is never held while a socket is
 * written.
 */
final class RunLog {

  /** Lines kept in memory per running run. */
  static final int RECENT = 10_000;

  private final long runId;
  private final Path journal;
  private final String[] recent = new String[RECENT];
  private final List<LogFollower> followers = new ArrayList<>();
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

  /** Appends one line of the run and offers it to the live followers. */
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
        // The live followers still get every line; only a resume from disk is lost.
        journalProblem = "cannot write " + journal + ": " + e.getMessage();
      }
    }
    count++;
    recent[(int) ((count - 1) % RECENT)] = line;
    followers.removeIf(f -> !f.offer(count, line));
  }

  /** The run ended: every follower is told once it has sent what it holds. */
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
    followers.forEach(f -> f.end(conclusion));
    followers.clear();
  }

  synchronized void detach(LogFollower follower) {
    followers.remove(follower);
  }

  /**
   * What a follower that has sent every line up to {@code after} is to send next: up to {@code max}
   * lines from memory, or the number of the last line it must read from the journal (those older
   * than memory), or, when it is up to date, nothing: it is then attached and gets the next lines
   * in its buffer (or its end, when the run ended).
   */
  synchronized Next next(long after, int max, LogFollower follower) {
    counted();
    if (after >= count) {
      if (conclusion != null) {
        follower.end(conclusion);
      } else {
        followers.add(follower);
      }
      return Next.UP_TO_DATE;
    }
    long first = Math.max(1, count - RECENT + 1);
    if (after + 1 < first) {
      if (journalProblem != null) {
        return new Next(List.of(), first - 1, journalProblem);
      }
      return new Next(List.of(), first - 1, null);
    }
    long last = Math.min(count, after + max);
    List<String> lines = new ArrayList<>((int) (last - after));
    for (long n = after + 1; n <= last; n++) {
      lines.add(recent[(int) ((n - 1) % RECENT)]);
    }
    return new Next(lines, 0, null);
  }

  /**
   * The lines to send next: {@code lines} from memory (numbered from the follower's position), or
   * when that is empty and {@code journalUpTo} is not 0, the journal's lines up to that number.
   */
  record Next(List<String> lines, long journalUpTo, String problem) {
    static final Next UP_TO_DATE = new Next(List.of(), 0, null);

    boolean upToDate() {
      return lines.isEmpty() && journalUpTo == 0 && problem == null;
    }
  }

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
