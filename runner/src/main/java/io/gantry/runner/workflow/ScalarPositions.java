package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Maps a character offset within a scalar's value back to its line and column in the file.
 *
 * <p>A plain scalar's text starts at the node's mark, a quoted one a character later, and a block
 * scalar ({@code run: |}) on the next line at the block's indentation. Folding (plain, quoted and
 * {@code >} scalars spanning lines) and escapes are handled by walking the value and the source
 * side by side: equal characters advance both, a space or newline at a line's end crosses to the
 * next line, anything else is looked up ahead (an escape such as {@code \"} or {@code ''}).
 */
final class ScalarPositions {

  private final String displayName;
  private final List<String> lines;

  ScalarPositions(String displayName, String source) {
    this.displayName = displayName;
    this.lines = new ArrayList<>();
    for (String line : source.split("\n", -1)) {
      lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    }
  }

  /** One source line's share of the scalar: its 0-based line and column, and its text. */
  private record Segment(int line, int column, String text) {}

  /** The 1-based location of {@code offset} (0-based) within {@code node}'s value. */
  Location at(ScalarNode node, int offset) {
    if (node.getStartMark().isEmpty()) {
      return Location.of(displayName);
    }
    List<Segment> segments = segments(node);
    if (segments.isEmpty()) {
      Mark mark = node.getStartMark().get();
      return new Location(displayName, mark.getLine() + 1, mark.getColumn() + 1);
    }
    String value = node.getValue();
    int si = 0;
    int idx = 0;
    int line = segments.get(0).line();
    int column = segments.get(0).column();
    int end = Math.min(offset, value.length());
    for (int k = 0; k <= end; k++) {
      Segment s = segments.get(si);
      line = s.line();
      column = s.column() + idx;
      if (k == end) {
        break;
      }
      char c = value.charAt(k);
      if (idx < s.text().length() && s.text().charAt(idx) == c) {
        idx++;
      } else if ((c == '\n' || c == ' ') && idx >= s.text().length()) {
        if (si + 1 < segments.size()) {
          si++;
          idx = 0;
        }
      } else {
        for (int j = si; j < segments.size(); j++) {
          int found = segments.get(j).text().indexOf(c, j == si ? idx : 0);
          if (found >= 0) {
            si = j;
            idx = found;
            line = segments.get(j).line();
            column = segments.get(j).column() + found;
            idx++;
            break;
          }
        }
      }
    }
    return new Location(displayName, line + 1, column + 1);
  }

  private List<Segment> segments(ScalarNode node) {
    Mark start = node.getStartMark().get();
    int first = start.getLine();
    int last =
        Math.min(node.getEndMark().map(Mark::getLine).orElse(lines.size() - 1), lines.size() - 1);
    List<Segment> segments = new ArrayList<>();
    ScalarStyle style = node.getScalarStyle();
    if (style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED) {
      int indent = blockIndent(start, first, last);
      for (int l = first + 1; l <= last; l++) {
        String text = lines.get(l);
        segments.add(new Segment(l, indent, text.length() > indent ? text.substring(indent) : ""));
      }
      return segments;
    }
    int column = start.getColumn() + (style == ScalarStyle.PLAIN ? 0 : 1);
    String firstLine = lines.get(first);
    segments.add(
        new Segment(
            first, column, column <= firstLine.length() ? firstLine.substring(column) : ""));
    for (int l = first + 1; l <= last; l++) {
      String text = lines.get(l);
      int lead = leadingWhitespace(text);
      segments.add(new Segment(l, lead, text.substring(lead)));
    }
    return segments;
  }

  /**
   * The indentation of a block scalar's content: that of its first non-blank line, or with an
   * explicit indentation indicator ({@code |2}), the least indentation of its lines.
   */
  private int blockIndent(Mark start, int first, int last) {
    String header =
        lines.get(first).substring(Math.min(start.getColumn(), lines.get(first).length()));
    boolean explicit = false;
    for (int i = 1; i < header.length() && !Character.isWhitespace(header.charAt(i)); i++) {
      explicit |= Character.isDigit(header.charAt(i));
    }
    int indent = Integer.MAX_VALUE;
    for (int l = first + 1; l <= last; l++) {
      String text = lines.get(l);
      if (!text.isBlank()) {
        int lead = leadingSpaces(text);
        if (!explicit) {
          return lead;
        }
        indent = Math.min(indent, lead);
      }
    }
    return indent == Integer.MAX_VALUE ? 0 : indent;
  }

  private static int leadingSpaces(String text) {
    int i = 0;
    while (i < text.length() && text.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  private static int leadingWhitespace(String text) {
    int i = 0;
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }
}
