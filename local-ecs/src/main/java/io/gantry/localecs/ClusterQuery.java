package io.gantry.localecs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The common part of ECS's cluster query language, for {@code memberOf} constraints: comparisons
 * {@code attribute:NAME == VALUE}, {@code !=}, {@code =~ PATTERN} (a glob with {@code *}), {@code
 * in [A, B]}, {@code not_in [A, B]}, {@code exists}, {@code !exists}, and {@code ec2InstanceId} as
 * a subject, joined by {@code and} / {@code or} ({@code and} binds tighter; {@code &&} and {@code
 * ||} too), with parentheses. A malformed expression is ECS's InvalidParameterException naming the
 * position.
 */
final class ClusterQuery {

  private final String text;
  private final List<String> tokens = new ArrayList<>();
  private final List<Integer> positions = new ArrayList<>();
  private int at;

  private ClusterQuery(String text) {
    this.text = text;
  }

  /** Whether an instance with these attributes (and id) satisfies the expression. */
  static boolean matches(String expression, Map<String, String> attributes) {
    ClusterQuery q = parse(expression);
    q.at = 0;
    return q.or(attributes);
  }

  /** Parses (and so checks) the expression; throws InvalidParameterException. */
  static ClusterQuery parse(String expression) {
    ClusterQuery q = new ClusterQuery(expression);
    q.tokenize();
    q.at = 0;
    q.or(Map.of());
    if (q.at < q.tokens.size()) {
      throw q.error("unexpected '" + q.tokens.get(q.at) + "'");
    }
    return q;
  }

  private void tokenize() {
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if ("()[],".indexOf(c) >= 0) {
        add(String.valueOf(c), i);
        i++;
      } else if (text.startsWith("==", i)
          || text.startsWith("!=", i)
          || text.startsWith("=~", i)
          || text.startsWith("&&", i)
          || text.startsWith("||", i)) {
        add(text.substring(i, i + 2), i);
        i += 2;
      } else {
        int start = i;
        while (i < text.length()
            && !Character.isWhitespace(text.charAt(i))
            && "()[],".indexOf(text.charAt(i)) < 0
            && !text.startsWith("==", i)
            && !text.startsWith("!=", i)
            && !text.startsWith("=~", i)) {
          i++;
        }
        add(text.substring(start, i), start);
      }
    }
  }

  private void add(String token, int position) {
    tokens.add(token);
    positions.add(position);
  }

  private AwsError error(String what) {
    int position = at < positions.size() ? positions.get(at) : text.length();
    return new AwsError(
        "InvalidParameterException",
        "Invalid placement constraint expression '"
            + text
            + "': "
            + what
            + " at position "
            + position
            + ".");
  }

  private String next() {
    if (at >= tokens.size()) {
      throw error("unexpected end");
    }
    return tokens.get(at++);
  }

  /** A value: a word, not an operator or bracket. */
  private String value() {
    String v = next();
    if (v.startsWith("=")
        || v.startsWith("!=")
        || "()[],".contains(v)
        || v.equals("&&")
        || v.equals("||")) {
      at--;
      throw error("expected a value, got '" + v + "'");
    }
    return v;
  }

  private boolean peek(String... options) {
    if (at >= tokens.size()) {
      return false;
    }
    for (String o : options) {
      if (tokens.get(at).equals(o)) {
        return true;
      }
    }
    return false;
  }

  private boolean or(Map<String, String> attrs) {
    boolean value = and(attrs);
    while (peek("or", "||")) {
      at++;
      value |= and(attrs);
    }
    return value;
  }

  private boolean and(Map<String, String> attrs) {
    boolean value = term(attrs);
    while (peek("and", "&&")) {
      at++;
      value &= term(attrs);
    }
    return value;
  }

  private boolean term(Map<String, String> attrs) {
    if (peek("(")) {
      at++;
      boolean value = or(attrs);
      if (!peek(")")) {
        throw error("missing ')'");
      }
      at++;
      return value;
    }
    String subject = next();
    String key;
    if (subject.startsWith("attribute:") && subject.length() > 10) {
      key = subject.substring(10);
    } else if (subject.equals("ec2InstanceId")) {
      key = "ec2InstanceId";
    } else {
      at--;
      throw error("expected attribute:NAME or ec2InstanceId, got '" + subject + "'");
    }
    String actual = attrs.get(key);
    String op = next();
    switch (op) {
      case "exists":
        return actual != null;
      case "!exists":
        return actual == null;
      case "==":
        return value().equals(actual);
      case "!=":
        return !value().equals(actual);
      case "=~":
        {
          String glob = value();
          return actual != null
              && Pattern.matches(Pattern.quote(glob).replace("*", "\\E.*\\Q"), actual);
        }
      case "in":
      case "not_in":
        {
          List<String> values = list();
          return op.equals("in") == values.contains(actual);
        }
      default:
        at--;
        throw error("unknown operator '" + op + "'");
    }
  }

  private List<String> list() {
    if (!peek("[")) {
      throw error("expected '['");
    }
    at++;
    List<String> values = new ArrayList<>();
    while (true) {
      values.add(value());
      if (peek(",")) {
        at++;
      } else if (peek("]")) {
        at++;
        return values;
      } else {
        throw error("expected ',' or ']'");
      }
    }
  }
}
