package io.gantry.runner.expression;

import io.gantry.runner.suggest.Suggestions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The built-in functions: their arities and implementations. */
final class Functions {

  static final int UNBOUNDED = Integer.MAX_VALUE;

  /** A function's canonical name (as GitHub documents it) and how many arguments it takes. */
  record Spec(String name, int min, int max) {

    String arity() {
      if (min == max) {
        return max == 0 ? "no arguments" : plural(max);
      }
      return max == UNBOUNDED ? "at least " + plural(min) : min + " or " + plural(max);
    }

    private static String plural(int n) {
      return n + (n == 1 ? " argument" : " arguments");
    }
  }

  private static final Map<String, Spec> SPECS = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

  static {
    for (Spec spec :
        List.of(
            new Spec("contains", 2, 2),
            new Spec("startsWith", 2, 2),
            new Spec("endsWith", 2, 2),
            new Spec("format", 1, UNBOUNDED),
            new Spec("join", 1, 2),
            new Spec("toJSON", 1, 1),
            new Spec("fromJSON", 1, 1),
            new Spec("hashFiles", 1, UNBOUNDED),
            new Spec("success", 0, 0),
            new Spec("failure", 0, 0),
            new Spec("always", 0, 0),
            new Spec("cancelled", 0, 0))) {
      SPECS.put(spec.name(), spec);
    }
  }

  private Functions() {}

  static Spec find(String name) {
    return SPECS.get(name);
  }

  static List<String> names() {
    return SPECS.values().stream().map(Spec::name).collect(Collectors.toList());
  }

  static boolean isStatusFunction(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "success", "failure", "always", "cancelled" -> true;
      default -> false;
    };
  }

  /** The problem with calling {@code name} with {@code count} arguments, or null if none. */
  static String problem(String name, int count) {
    Spec spec = find(name);
    if (spec == null) {
      String suggestion = Suggestions.nearestName(name, names());
      String supported = "upported functions: " + String.join(", ", names());
      return suggestion == null
          ? "unknown function '" + name + "'; s" + supported
          : "unknown function '" + name + "'; did you mean '" + suggestion + "'? S" + supported;
    }
    if (count < spec.min() || count > spec.max()) {
      return "function '" + spec.name() + "' takes " + spec.arity() + " but was given " + count;
    }
    return null;
  }

  static Object call(Node.Call call, List<Object> args, ExpressionContext context)
      throws ExpressionException {
    String problem = problem(call.name(), args.size());
    if (problem != null) {
      throw new ExpressionException(problem, call.offset());
    }
    Spec spec = find(call.name());
    ExpressionContext.JobStatus status =
        context.status() == null ? ExpressionContext.JobStatus.SUCCEEDING : context.status();
    return switch (spec.name()) {
      case "contains" -> contains(args.get(0), args.get(1));
      case "startsWith" -> affix(args.get(0), args.get(1), true);
      case "endsWith" -> affix(args.get(0), args.get(1), false);
      case "format" -> format(args, call.offset());
      case "join" -> join(args.get(0), args.size() > 1 ? Values.stringify(args.get(1)) : ",");
      case "toJSON" -> Json.write(args.get(0));
      case "fromJSON" -> fromJson(args.get(0), call.offset());
      case "hashFiles" -> hashFiles(args, context, call.offset());
      case "success" -> status.success();
      case "failure" -> status.failure();
      case "cancelled" -> status.cancelled();
      case "always" -> true;
      default -> throw new IllegalStateException("no implementation for " + spec.name());
    };
  }

  private static boolean contains(Object search, Object item) {
    if (search instanceof List<?> list) {
      for (Object element : list) {
        if (Values.looseEquals(element, item)) {
          return true;
        }
      }
      return false;
    }
    if (search instanceof Map) {
      return false;
    }
    return Values.stringify(search)
        .toLowerCase(Locale.ROOT)
        .contains(Values.stringify(item).toLowerCase(Locale.ROOT));
  }

  private static boolean affix(Object subject, Object affix, boolean prefix) {
    if (Values.isStructured(subject) || Values.isStructured(affix)) {
      return false;
    }
    String text = Values.stringify(subject);
    String part = Values.stringify(affix);
    if (part.length() > text.length()) {
      return false;
    }
    int from = prefix ? 0 : text.length() - part.length();
    return text.regionMatches(true, from, part, 0, part.length());
  }

  private static String format(List<Object> args, int offset) throws ExpressionException {
    String pattern = Values.stringify(args.get(0));
    int available = args.size() - 1;
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      boolean brace = c == '{' || c == '}';
      boolean doubled = brace && i + 1 < pattern.length() && pattern.charAt(i + 1) == c;
      if (c == '{' && !doubled) {
        int close = pattern.indexOf('}', i);
        if (close < 0) {
          throw new ExpressionException(
              "format: '{' at index " + i + " of the format string is not closed", offset);
        }
        String index = pattern.substring(i + 1, close);
        if (!index.matches("\\d{1,9}")) {
          throw new ExpressionException(
              "format: invalid placeholder '{" + index + "}'; expected '{0}', '{1}', ...", offset);
        }
        int n = Integer.parseInt(index);
        if (n >= available) {
          throw new ExpressionException(
              "format: placeholder '{"
                  + n
                  + "}' has no argument (given "
                  + available
                  + " after the format string)",
              offset);
        }
        out.append(Values.stringify(args.get(n + 1)));
        i = close;
      } else if (c == '}' && !doubled) {
        throw new ExpressionException(
            "format: '}' at index "
                + i
                + " of the format string has no matching '{'; write '}}'"
                + " for a literal '}'",
            offset);
      } else {
        out.append(c);
        if (doubled) {
          i++;
        }
      }
    }
    return out.toString();
  }

  private static String join(Object value, String separator) {
    if (value instanceof List<?> list) {
      List<String> parts = new ArrayList<>(list.size());
      for (Object element : list) {
        parts.add(Values.stringify(element));
      }
      return String.join(separator, parts);
    }
    return value instanceof Map ? "" : Values.stringify(value);
  }

  private static Object fromJson(Object value, int offset) throws ExpressionException {
    try {
      return Json.read(Values.stringify(value));
    } catch (ExpressionException e) {
      throw new ExpressionException("fromJSON: " + e.getMessage(), offset);
    }
  }

  private static String hashFiles(List<Object> args, ExpressionContext context, int offset)
      throws ExpressionException {
    if (context.workspace() == null) {
      throw new ExpressionException("hashFiles() is not available here (no workspace)", offset);
    }
    List<String> patterns = new ArrayList<>();
    for (Object arg : args) {
      patterns.addAll(Values.stringify(arg).lines().toList());
    }
    try {
      return HashFiles.hash(context.workspace(), patterns);
    } catch (IOException | RuntimeException e) {
      throw new ExpressionException(
          "hashFiles: cannot hash the files of " + context.workspace() + ": " + e.getMessage(),
          offset);
    }
  }
}
