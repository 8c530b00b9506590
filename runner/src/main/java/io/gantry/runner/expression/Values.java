package io.gantry.runner.expression;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** GitHub's value semantics: kinds, truthiness, number coercion, loose equality, strings. */
final class Values {

  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern HEX = Pattern.compile("([+-]?)0[xX]([0-9a-fA-F]+)");

  /** Stands for a key an object does not have, which a filter skips but a lookup turns to null. */
  static final Object MISSING = new Object();

  enum Kind {
    NULL,
    BOOLEAN,
    NUMBER,
    STRING,
    ARRAY,
    OBJECT
  }

  private Values() {}

  static Kind kind(Object value) {
    if (value == null) {
      return Kind.NULL;
    } else if (value instanceof Boolean) {
      return Kind.BOOLEAN;
    } else if (value instanceof Number) {
      return Kind.NUMBER;
    } else if (value instanceof List) {
      return Kind.ARRAY;
    } else if (value instanceof Map) {
      return Kind.OBJECT;
    }
    return Kind.STRING;
  }

  static boolean isStructured(Object value) {
    Kind kind = kind(value);
    return kind == Kind.ARRAY || kind == Kind.OBJECT;
  }

  static boolean truthy(Object value) {
    return switch (kind(value)) {
      case NULL -> false;
      case BOOLEAN -> (Boolean) value;
      case NUMBER -> {
        double d = ((Number) value).doubleValue();
        yield d != 0 && !Double.isNaN(d);
      }
      case STRING -> !value.toString().isEmpty();
      case ARRAY, OBJECT -> true;
    };
  }

  /** A number literal of the language (decimal, exponent or hex), or null when it is not one. */
  static Double parseNumberLiteral(String text) {
    if (DECIMAL.matcher(text).matches()) {
      return Double.parseDouble(text);
    }
    var hex = HEX.matcher(text);
    if (hex.matches()) {
      double magnitude = new BigInteger(hex.group(2), 16).doubleValue();
      return hex.group(1).equals("-") ? -magnitude : magnitude;
    }
    return null;
  }

  static double toNumber(Object value) {
    return switch (kind(value)) {
      case NULL -> 0;
      case BOOLEAN -> (Boolean) value ? 1 : 0;
      case NUMBER -> ((Number) value).doubleValue();
      case STRING -> stringToNumber(value.toString());
      case ARRAY, OBJECT -> Double.NaN;
    };
  }

  private static double stringToNumber(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      return 0;
    }
    Double parsed = parseNumberLiteral(trimmed);
    if (parsed != null) {
      return parsed;
    }
    return switch (trimmed) {
      case "Infinity", "+Infinity" -> Double.POSITIVE_INFINITY;
      case "-Infinity" -> Double.NEGATIVE_INFINITY;
      default -> Double.NaN;
    };
  }

  static boolean looseEquals(Object left, Object right) {
    Kind leftKind = kind(left);
    Kind rightKind = kind(right);
    if (leftKind != rightKind) {
      if (isStructured(left) || isStructured(right)) {
        return false;
      }
      return toNumber(left) == toNumber(right);
    }
    return switch (leftKind) {
      case NULL -> true;
      case BOOLEAN -> left.equals(right);
      case NUMBER -> ((Number) left).doubleValue() == ((Number) right).doubleValue();
      case STRING -> left.toString().equalsIgnoreCase(right.toString());
      case ARRAY, OBJECT -> left == right;
    };
  }

  /** The sign of left minus right, or null when the two cannot be ordered (NaN, objects). */
  static Integer compare(Object left, Object right) {
    Kind leftKind = kind(left);
    Kind rightKind = kind(right);
    if (isStructured(left) || isStructured(right)) {
      return null;
    }
    if (leftKind == Kind.STRING && rightKind == Kind.STRING) {
      return Integer.signum(left.toString().compareToIgnoreCase(right.toString()));
    }
    double a = toNumber(left);
    double b = toNumber(right);
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return null;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Case-insensitive property lookup; {@link #MISSING} when there is no such key. */
  static Object property(Map<?, ?> object, String name) {
    if (object.containsKey(name)) {
      return object.get(name);
    }
    for (Map.Entry<?, ?> entry : object.entrySet()) {
      if (entry.getKey() != null && entry.getKey().toString().equalsIgnoreCase(name)) {
        return entry.getValue();
      }
    }
    return MISSING;
  }

  static String stringify(Object value) {
    return switch (kind(value)) {
      case NULL -> "";
      case BOOLEAN -> value.toString();
      case NUMBER -> formatNumber(((Number) value).doubleValue());
      case STRING -> value.toString();
      case ARRAY, OBJECT -> Json.write(value);
    };
  }

  /**
   * Integral values print without a fraction ({@code 3}, not {@code 3.0}); others print in plain
   * notation where that stays short, as JavaScript does.
   */
  static String formatNumber(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    double magnitude = Math.abs(d);
    if (magnitude >= 1e-7 && magnitude < 1e21) {
      return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }
    return Double.toString(d);
  }
}
