package io.gantry.runner.execution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Expands {@code strategy.matrix} into its combinations, with GitHub's rules: the cartesian product
 * of the keys (the first key varying slowest), minus every combination an {@code exclude} entry
 * matches, then each {@code include} entry added to every original combination it can extend
 * without overwriting an original value, or appended as a combination of its own when it extends
 * none.
 */
final class Matrix {

  private Matrix() {}

  /** A matrix value that is not a map of lists: the message names the fault. */
  static final class MatrixException extends Exception {
    MatrixException(String message) {
      super(message);
    }
  }

  static List<Map<String, Object>> expand(Object matrix) throws MatrixException {
    if (matrix == null) {
      return List.of(Map.of());
    }
    if (!(matrix instanceof Map<?, ?> map)) {
      throw new MatrixException("strategy.matrix must be a mapping, got " + describe(matrix));
    }
    List<Map<String, Object>> combinations = new ArrayList<>();
    combinations.add(new LinkedHashMap<>());
    List<Object> include = List.of();
    List<Object> exclude = List.of();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = String.valueOf(entry.getKey());
      Object value = normalize(entry.getValue());
      if (key.equals("include") || key.equals("exclude")) {
        if (!(value instanceof List<?> list)) {
          throw new MatrixException(
              "strategy.matrix." + key + " must be a list of mappings, got " + describe(value));
        }
        List<Object> entries = new ArrayList<>(list);
        for (Object item : entries) {
          if (!(item instanceof Map<?, ?>)) {
            throw new MatrixException(
                "each entry of strategy.matrix."
                    + key
                    + " must be a mapping, got "
                    + describe(item));
          }
        }
        if (key.equals("include")) {
          include = entries;
        } else {
          exclude = entries;
        }
        continue;
      }
      if (!(value instanceof List<?> values)) {
        throw new MatrixException(
            "strategy.matrix." + key + " must be a list of values, got " + describe(value));
      }
      if (values.isEmpty()) {
        throw new MatrixException("strategy.matrix." + key + " is an empty list");
      }
      List<Map<String, Object>> product = new ArrayList<>();
      for (Map<String, Object> combination : combinations) {
        for (Object v : values) {
          Map<String, Object> next = new LinkedHashMap<>(combination);
          next.put(key, v);
          product.add(next);
        }
      }
      combinations = product;
    }
    boolean hasKeys = !combinations.get(0).isEmpty();
    for (Object item : exclude) {
      Map<?, ?> excluded = (Map<?, ?>) item;
      combinations.removeIf(c -> matches(c, excluded));
    }
    if (!hasKeys) {
      combinations.clear();
    }
    // Include entries extend only the original combinations, never ones another include added.
    List<Map<String, Object>> originals = new ArrayList<>();
    for (Map<String, Object> c : combinations) {
      originals.add(Map.copyOf(c));
    }
    for (Object item : include) {
      Map<?, ?> extra = (Map<?, ?>) item;
      boolean added = false;
      for (int i = 0; i < originals.size(); i++) {
        if (canExtend(originals.get(i), extra)) {
          for (Map.Entry<?, ?> e : extra.entrySet()) {
            combinations.get(i).put(String.valueOf(e.getKey()), e.getValue());
          }
          added = true;
        }
      }
      if (!added) {
        Map<String, Object> own = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : extra.entrySet()) {
          own.put(String.valueOf(e.getKey()), e.getValue());
        }
        combinations.add(own);
      }
    }
    if (combinations.isEmpty()) {
      throw new MatrixException(
          "strategy.matrix leaves no combination to run (every one is excluded)");
    }
    return combinations;
  }

  private static boolean matches(Map<String, Object> combination, Map<?, ?> partial) {
    for (Map.Entry<?, ?> e : partial.entrySet()) {
      if (!Objects.equals(combination.get(String.valueOf(e.getKey())), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** An include entry extends a combination unless it would change one of its original values. */
  private static boolean canExtend(Map<String, Object> original, Map<?, ?> extra) {
    for (Map.Entry<?, ?> e : extra.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (original.containsKey(key) && !Objects.equals(original.get(key), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Numbers become Doubles, as expressions see every number. */
  static Object normalize(Object value) {
    if (value instanceof Number n && !(value instanceof Double)) {
      return n.doubleValue();
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> copy = new LinkedHashMap<>();
      m.forEach((k, v) -> copy.put(String.valueOf(k), normalize(v)));
      return copy;
    }
    if (value instanceof List<?> l) {
      List<Object> copy = new ArrayList<>();
      l.forEach(v -> copy.add(normalize(v)));
      return copy;
    }
    return value;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return "'" + value + "'";
  }

  /** The matrix with every {@code ${{ }}} string replaced by its (typed) value. */
  static Object evaluateStrings(Object value, io.gantry.runner.expression.ExpressionContext context)
      throws io.gantry.runner.expression.ExpressionException {
    if (value instanceof String template && template.contains("${{")) {
      return io.gantry.runner.expression.Expressions.evaluateTemplate(template, context);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> evaluated = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        evaluated.put(String.valueOf(e.getKey()), evaluateStrings(e.getValue(), context));
      }
      return evaluated;
    }
    if (value instanceof List<?> list) {
      List<Object> evaluated = new ArrayList<>();
      for (Object item : list) {
        evaluated.add(evaluateStrings(item, context));
      }
      return evaluated;
    }
    return value;
  }
}
