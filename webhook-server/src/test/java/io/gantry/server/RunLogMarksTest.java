package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's journal read from a mark ({@link RunLog#mark}): a follower catching up from line N reads
 * from the nearest 500-line mark at or before it, not from the journal's first byte, and gets
 * exactly lines N + 1, N + 2, … with their numbers; the same from the marks of a journal continued
 * by a new {@link RunLog} (an earlier attempt's), and from an ended run's marks ({@link
 * LogFollower.Completed}). Lines hold multi-byte characters, so a mark counted in characters
 * instead of bytes would land mid-line.
 */
class RunLogMarksTest {

  @TempDir Path dir;

  @Test
  void aJournalReadFromAMarkGivesExactlyTheLinesAfterIt() throws Exception {
    Path journal = dir.resolve("lines.journal");
    RunLog log = new RunLog(1, journal);
    for (int i = 1; i <= 1234; i++) {
      log.append("line " + i + " é€ " + "x".repeat(i % 7));
    }
    for (long after : new long[] {0, 1, 499, 500, 501, 999, 1000, 1200, 1233}) {
      long[] mark = log.mark(after);
      assertThat(mark[0]).isEqualTo(after / RunLog.MARK * RunLog.MARK);
      try (LineFiles files = new LineFiles(List.of(journal), mark[0], mark[1])) {
        assertThat(numbersAndLines(files, after)).isEqualTo(expected(after, 1234));
      }
    }

    // A new RunLog on the same journal (the run's next attempt) finds the same marks, and goes on.
    RunLog again = new RunLog(1, journal);
    assertThat(again.mark(1100)).isEqualTo(log.mark(1100));
    again.append("line 1235 é€ " + "x".repeat(1235 % 7));
    again.finish("success");
    LogFollower.Completed completed =
        new LogFollower.Completed(journal, List.of(), "success", again.marks());
    try (LineFiles files = completed.open(1001)) {
      assertThat(numbersAndLines(files, 1001)).isEqualTo(expected(1001, 1235));
    }
  }

  private static List<String> numbersAndLines(LineFiles files, long after) throws Exception {
    LogEvents events = new LogEvents(1 << 16);
    while (files.read(after, Long.MAX_VALUE, 100, events)) {
      // Until every line is read.
    }
    String text = new String(events.take(), StandardCharsets.UTF_8);
    List<String> got = new ArrayList<>();
    Matcher event = Pattern.compile("id: (\\d+)\nevent: log\ndata: (.*)\n\n").matcher(text);
    while (event.find()) {
      got.add(event.group(1) + " " + event.group(2));
    }
    return got;
  }

  private static List<String> expected(long after, int last) {
    List<String> lines = new ArrayList<>();
    for (long i = after + 1; i <= last; i++) {
      lines.add(i + " line " + i + " é€ " + "x".repeat((int) (i % 7)));
    }
    return lines;
  }
}
