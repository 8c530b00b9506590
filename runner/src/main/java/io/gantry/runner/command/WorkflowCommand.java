package io.gantry.runner.command;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A workflow command printed by a step: {@code ::name key=value,key=value::message}.
 *
 * @param name the command, lower-case: add-mask, group, endgroup, error, warning, notice, debug,
 *     set-output, stop-commands, ...
 */
public record WorkflowCommand(String name, Map<String, String> properties, String message) {

  /** The command a line holds, or null when the line is plain output. */
  public static WorkflowCommand parse(String line) {
    String trimmed = line.stripLeading();
    if (!trimmed.startsWith("::")) {
      return null;
    }
    int end = trimmed.indexOf("::", 2);
    if (end < 0) {
      return null;
    }
    String head = trimmed.substring(2, end);
    String message = unescapeData(trimmed.substring(end + 2));
    int space = head.indexOf(' ');
    String name = (space < 0 ? head : head.substring(0, space)).strip();
    if (name.isEmpty()) {
      return null;
    }
    Map<String, String> properties = new LinkedHashMap<>();
    if (space >= 0) {
      for (String pair : head.substring(space + 1).split(",")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          properties.put(pair.substring(0, eq).strip(), unescapeProperty(pair.substring(eq + 1)));
        }
      }
    }
    return new WorkflowCommand(name.toLowerCase(java.util.Locale.ROOT), properties, message);
  }

  /** {@code file:line:col: } prefix of an annotation, from its properties. */
  public String annotationPrefix() {
    String file = properties.get("file");
    if (file == null) {
      return "";
    }
    StringBuilder where = new StringBuilder(file);
    if (properties.containsKey("line")) {
      where.append(':').append(properties.get("line"));
      if (properties.containsKey("col")) {
        where.append(':').append(properties.get("col"));
      }
    }
    return where.append(": ").toString();
  }

  private static String unescapeData(String s) {
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
  }

  private static String unescapeProperty(String s) {
    return s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%");
  }
}
