package io.gantry.runner.deploy.taskdef;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.gantry.runner.aws.AwsProblem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code ${NAME}} / {@code ${NAME:-default}} substitution of a task definition file, done on
 * the file's text before it is parsed so that every problem can name its line.
 *
 * <p>A reference may only stand inside a JSON string: the scan follows the JSON string syntax
 * (quotes and backslash escapes) and rejects a reference outside one. A value is inserted
 * JSON-escaped (Jackson's {@link JsonStringEncoder}), so quotes, backslashes and control characters
 * in it stay part of the string and can neither end it nor add fields. A default is copied as
 * written: it is already part of the file's JSON string. As in the shell, the default is used when
 * the variable is unset or empty; <code>$${</code> writes a literal <code>${</code>. Every problem
 * of the file (unset names, references outside strings, malformed references) is collected and
 * reported in one {@link AwsProblem}.
 */
public final class TaskDefinitionTemplate {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** The substituted text and the names that were resolved (from the environment or defaults). */
  public record Rendered(String json, Set<String> fromEnv, Set<String> fromDefaults) {}

  private final String file;
  private final Map<String, String> env;

  /** Unset names with the lines they are used on, in order of first use. */
  private final Map<String, List<Integer>> unset = new LinkedHashMap<>();

  /** The other problems. */
  private final List<Entry> problems = new ArrayList<>();

  private final Set<String> fromEnv = new LinkedHashSet<>();
  private final Set<String> fromDefaults = new LinkedHashSet<>();

  private TaskDefinitionTemplate(String file, Map<String, String> env) {
    this.file = file;
    this.env = env;
  }

  /**
   * Substitutes every reference in {@code text}.
   *
   * @param file the file's name as the user wrote it, for messages
   * @throws AwsProblem naming every problem with its line, e.g. {@code task-definition.json:12:
   *     ${DB_HOST} is not set; 14: ${PORT} is not set — set them in env: or give a default as
   *     ${NAME:-value}}
   */
  public static Rendered render(String text, String file, Map<String, String> env)
      throws AwsProblem {
    return new TaskDefinitionTemplate(file, env).substitute(text);
  }

  private Rendered substitute(String text) throws AwsProblem {
    StringBuilder out = new StringBuilder(text.length() + 64);
    int line = 1;
    boolean inString = false;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
      }
      if (inString && c == '\\' && i + 1 < n) {
        out.append(c).append(text.charAt(++i));
        continue;
      }
      if (c == '"') {
        inString = !inString;
      } else if (c == '$' && text.startsWith("$${", i)) {
        out.append("${");
        i += 2;
        continue;
      } else if (c == '$' && text.startsWith("${", i)) {
        i = reference(text, i, line, inString, out);
        continue;
      }
      out.append(c);
    }
    if (!unset.isEmpty() || !problems.isEmpty()) {
      throw new AwsProblem(report());
    }
    return new Rendered(out.toString(), fromEnv, fromDefaults);
  }

  /** Handles the reference starting at {@code start}; returns the index of its last character. */
  private int reference(String text, int start, int line, boolean inString, StringBuilder out) {
    int close = text.indexOf('}', start + 2);
    int lineEnd = text.indexOf('\n', start);
    if (close < 0 || (lineEnd >= 0 && close > lineEnd)) {
      problem(line, "'${' has no closing '}' on its line; write $${ for a literal ${");
      out.append("${");
      return start + 1;
    }
    if (text.startsWith("${{", start)) {
      int end = text.indexOf("}}", start);
      String expression = end < 0 || end > close + 1 ? "${{" : text.substring(start, end + 2);
      problem(
          line,
          "'"
              + expression
              + "' is a workflow expression, which task definition files do not evaluate; pass"
              + " the value through env: (e.g. SHA: ${{ github.sha }}) and write ${SHA}");
      return Math.max(close, end + 1);
    }
    String body = text.substring(start + 2, close);
    int dash = body.indexOf(":-");
    String name = dash < 0 ? body : body.substring(0, dash);
    String fallback = dash < 0 ? null : body.substring(dash + 2);
    if (!NAME.matcher(name).matches()) {
      problem(
          line,
          "'${"
              + body
              + "}' is not a reference: write ${NAME} or ${NAME:-default} (NAME of letters, digits"
              + " and _), or $${ for a literal ${");
    } else if (fallback != null && fallback.contains("${")) {
      problem(line, "'${" + body + "}': a default cannot hold another reference");
    } else if (!inString) {
      problem(
          line,
          "${"
              + body
              + "} is outside a JSON string; quote it, e.g. \"${"
              + body
              + "}\" (number and boolean fields accept a quoted number or boolean)");
    } else {
      String value = env.get(name);
      if (fallback != null && (value == null || value.isEmpty())) {
        fromDefaults.add(name);
        out.append(fallback);
      } else if (value == null) {
        unset.computeIfAbsent(name, k -> new ArrayList<>()).add(line);
      } else {
        fromEnv.add(name);
        JsonStringEncoder.getInstance().quoteAsString(value, out);
      }
    }
    return close;
  }

  private void problem(int line, String message) {
    problems.add(new Entry(line, line + ": " + message));
  }

  private String report() {
    List<Entry> entries = new ArrayList<>(problems);
    unset.forEach(
        (name, lines) ->
            entries.add(
                new Entry(
                    lines.get(0),
                    lines.stream().map(String::valueOf).collect(Collectors.joining(","))
                        + ": ${"
                        + name
                        + "} is not set")));
    entries.sort(Comparator.comparingInt(Entry::line));
    String text = file + ":" + entries.stream().map(Entry::text).collect(Collectors.joining("; "));
    if (!unset.isEmpty()) {
      text +=
          (unset.size() == 1 ? " — set it" : " — set them")
              + " in env: or give a default as ${NAME:-value}";
    }
    return text;
  }

  /** One problem, at the line it is sorted by. */
  private record Entry(int line, String text) {}
}
