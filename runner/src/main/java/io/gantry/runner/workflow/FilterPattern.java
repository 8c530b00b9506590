package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * GitHub's filter patterns for {@code branches}, {@code tags} and {@code paths}: {@code *} matches
 * any run of characters but {@code /}, {@code **} any run including {@code /} ({@code **}{@code /}
 * also none), {@code ?} zero or one of the preceding character, {@code +} one or more of the
 * preceding character, {@code [...]} one character of a class or range, {@code \} escapes the next
 * character, and a leading {@code !} negates a pattern. Patterns are applied in order and the last
 * one that matches decides, so a list of only negations matches nothing.
 */
public final class FilterPattern {

  private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

  private FilterPattern() {}

  /** Whether {@code value} is selected by the ordered pattern list (negations included). */
  public static boolean matchesAny(List<String> patterns, String value) {
    boolean selected = false;
    for (String pattern : patterns) {
      boolean negated = pattern.startsWith("!");
      String glob = negated ? pattern.substring(1) : pattern;
      if (selected == negated && regex(glob).matcher(value).matches()) {
        selected = !negated;
      }
    }
    return selected;
  }

  static Pattern regex(String glob) {
    return CACHE.computeIfAbsent(glob, FilterPattern::compile);
  }

  private static Pattern compile(String glob) {
    List<String> atoms = new ArrayList<>();
    int i = 0;
    while (i < glob.length()) {
      char c = glob.charAt(i);
      if (c == '\\' && i + 1 < glob.length()) {
        atoms.add(Pattern.quote(String.valueOf(glob.charAt(i + 1))));
        i += 2;
      } else if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          if (i + 2 < glob.length() && glob.charAt(i + 2) == '/') {
            atoms.add("(?:.*/)?");
            i += 3;
          } else {
            atoms.add(".*");
            i += 2;
          }
        } else {
          atoms.add("[^/]*");
          i++;
        }
      } else if ((c == '?' || c == '+') && !atoms.isEmpty()) {
        String last = atoms.remove(atoms.size() - 1);
        atoms.add("(?:" + last + ")" + c);
        i++;
      } else if (c == '[' && glob.indexOf(']', i + 1) > i + 1) {
        int close = glob.indexOf(']', i + 1);
        String body = glob.substring(i + 1, close).replaceAll("[^A-Za-z0-9-]", "");
        atoms.add(body.isEmpty() ? Pattern.quote(glob.substring(i, close + 1)) : "[" + body + "]");
        i = close + 1;
      } else {
        atoms.add(Pattern.quote(String.valueOf(c)));
        i++;
      }
    }
    return Pattern.compile(String.join("", atoms));
  }
}
