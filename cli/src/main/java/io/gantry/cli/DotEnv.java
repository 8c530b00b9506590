package io.gantry.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code NAME=value} files (dotenv): blank lines and {@code #} comments are skipped, an
 * optional {@code export} prefix is allowed, values may be 'single-quoted' (literal) or
 * "double-quoted" (with \n, \t, \" and \\ escapes, and spanning lines).
 */
final class DotEnv {

  private DotEnv() {}

  static final class DotEnvException extends Exception {
    DotEnvException(String message) {
      super(message);
    }
  }

  static Map<String, String> read(Path file) throws DotEnvException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DotEnvException(
          "cannot read secrets file "
              + file
              + ": "
              + describe(e)
              + "; check the path and its permissions");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new DotEnvException(file + ":" + (i + 1) + ": expected NAME=value");
      }
      String name = line.substring(0, eq).strip();
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new DotEnvException(
            file + ":" + (i + 1) + ": '" + name + "' is not a valid name (letters, digits, _)");
      }
      String value = line.substring(eq + 1).strip();
      if (value.startsWith("'")) {
        int end = value.indexOf('\'', 1);
        if (end < 0) {
          throw new DotEnvException(file + ":" + (i + 1) + ": unterminated ' quote");
        }
        value = value.substring(1, end);
      } else if (value.startsWith("\"")) {
        StringBuilder text = new StringBuilder(value.substring(1));
        int start = i;
        while (closingQuote(text) < 0) {
          if (++i >= lines.size()) {
            throw new DotEnvException(file + ":" + (start + 1) + ": unterminated \" quote");
          }
          text.append('\n').append(lines.get(i));
        }
        value = unescape(text.substring(0, closingQuote(text)));
      } else {
        int comment = value.indexOf(" #");
        if (comment >= 0) {
          value = value.substring(0, comment).strip();
        }
      }
      values.put(name, value);
    }
    return values;
  }

  private static int closingQuote(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return i;
      }
    }
    return -1;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        out.append(
            switch (n) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              default -> n;
            });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String describe(IOException e) {
    String name = e.getClass().getSimpleName();
    return switch (name) {
      case "NoSuchFileException" -> "no such file";
      case "AccessDeniedException" -> "permission denied";
      default -> e.getMessage() != null ? e.getMessage() : name;
    };
  }
}
