package io.gantry.runner.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the files a step talks back through ({@code $GITHUB_OUTPUT}, {@code $GITHUB_ENV}): lines of
 * {@code NAME=value}, or {@code NAME<<DELIMITER} followed by the value's lines and the delimiter
 * alone on a line, as GitHub's runner accepts them.
 */
public final class FileCommands {

  private FileCommands() {}

  /** A file that does not follow the format: the step fails with this message. */
  public static final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
      super(message);
    }
  }

  /** The name/value pairs of a file, in order (a later value of a name wins). */
  public static Map<String, String> readPairs(Path file, String variable) throws FormatException {
    Map<String, String> pairs = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return pairs;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new FormatException("cannot read $" + variable + ": " + e.getMessage());
    }
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).indexOf('\0') >= 0) {
        throw new FormatException(
            "$"
                + variable
                + " line "
                + (i + 1)
                + ": holds a NUL byte, which no variable or output can carry; write text only");
      }
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      int heredoc = line.indexOf("<<");
      int equals = line.indexOf('=');
      if (heredoc > 0 && (equals < 0 || heredoc < equals)) {
        String name = line.substring(0, heredoc);
        String delimiter = line.substring(heredoc + 2);
        if (delimiter.isEmpty()) {
          throw new FormatException(
              "$" + variable + " line " + (i + 1) + ": '" + name + "<<' has no delimiter");
        }
        StringBuilder value = new StringBuilder();
        int end = -1;
        for (int j = i + 1; j < lines.size(); j++) {
          if (lines.get(j).equals(delimiter)) {
            end = j;
            break;
          }
          if (j > i + 1) {
            value.append('\n');
          }
          value.append(lines.get(j));
        }
        if (end < 0) {
          throw new FormatException(
              "$"
                  + variable
                  + " line "
                  + (i + 1)
                  + ": the delimiter '"
                  + delimiter
                  + "' of '"
                  + name
                  + "' is never closed; end the value with a line holding only the delimiter");
        }
        pairs.put(checkName(name, variable, i), value.toString());
        i = end;
      } else if (equals > 0) {
        pairs.put(checkName(line.substring(0, equals), variable, i), line.substring(equals + 1));
      } else {
        throw new FormatException(
            "$"
                + variable
                + " line "
                + (i + 1)
                + ": expected NAME=value or NAME<<DELIMITER, got '"
                + abbreviate(line)
                + "'");
      }
    }
    return pairs;
  }

  /** The folders of a {@code $GITHUB_PATH} file, one per line, in order. */
  public static List<String> readPaths(Path file) throws FormatException {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .map(String::strip)
          .filter(s -> !s.isEmpty())
          .toList();
    } catch (IOException e) {
      throw new FormatException("cannot read $GITHUB_PATH: " + e.getMessage());
    }
  }

  private static String checkName(String name, String variable, int index) throws FormatException {
    String trimmed = name.strip();
    if (trimmed.isEmpty()) {
      throw new FormatException("$" + variable + " line " + (index + 1) + ": the name is empty");
    }
    return trimmed;
  }

  private static String abbreviate(String line) {
    return line.length() > 40 ? line.substring(0, 40) + "…" : line;
  }
}
