package io.gantry.localecs;

import java.util.ArrayList;
import java.util.List;

/**
 * CloudWatch Logs' term filter patterns: {@code ERROR} (the term appears, case-sensitive), {@code
 * "connection refused"} (the phrase), {@code ERROR Exception} (both), {@code ?ERROR ?WARN}
 * (either), {@code ERROR -Retrying} (the first, not the second). JSON ({@code { $.x = 1 }}) and
 * space-delimited ({@code [ip, user, ...]}) patterns are refused with Logs' error type.
 */
record FilterPattern(List<String> required, List<String> anyOf, List<String> excluded) {

  static FilterPattern parse(String text) {
    List<String> required = new ArrayList<>();
    List<String> anyOf = new ArrayList<>();
    List<String> excluded = new ArrayList<>();
    String p = text.strip();
    if (p.startsWith("{") || p.startsWith("[")) {
      throw new AwsError(
          "InvalidParameterException",
          "Invalid filter pattern '"
              + text
              + "': local-ecs supports term patterns (terms,"
              + " \"phrases\", ?alternatives, -exclusions), not JSON or space-delimited ones.");
    }
    int i = 0;
    while (i < p.length()) {
      char c = p.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      List<String> into = required;
      if (c == '?' || c == '-') {
        into = c == '?' ? anyOf : excluded;
        i++;
      }
      String term;
      if (i < p.length() && p.charAt(i) == '"') {
        int close = p.indexOf('"', i + 1);
        if (close < 0) {
          throw new AwsError(
              "InvalidParameterException",
              "Invalid filter pattern '" + text + "': a quoted phrase is not closed.");
        }
        term = p.substring(i + 1, close);
        i = close + 1;
      } else {
        int stop = i;
        while (stop < p.length() && !Character.isWhitespace(p.charAt(stop))) {
          stop++;
        }
        term = p.substring(i, stop);
        i = stop;
      }
      if (term.isEmpty()) {
        throw new AwsError(
            "InvalidParameterException",
            "Invalid filter pattern '" + text + "': an empty term at position " + i + ".");
      }
      into.add(term);
    }
    return new FilterPattern(required, anyOf, excluded);
  }

  boolean matches(String message) {
    for (String term : required) {
      if (!message.contains(term)) {
        return false;
      }
    }
    for (String term : excluded) {
      if (message.contains(term)) {
        return false;
      }
    }
    if (anyOf.isEmpty()) {
      return true;
    }
    for (String term : anyOf) {
      if (message.contains(term)) {
        return true;
      }
    }
    return false;
  }
}
