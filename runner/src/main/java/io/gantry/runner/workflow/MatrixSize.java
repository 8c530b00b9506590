package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How many jobs a matrix written in the file generates, with the executor's (GitHub's) rules: the
 * product of the variables' lists, minus the combinations an {@code exclude} entry matches, plus
 * each {@code include} entry that extends none of them. A matrix with an expression in it is known
 * only when the run starts, and so is not counted here.
 */
final class MatrixSize {

  /** Above this many combinations before {@code exclude}, the product itself is reported. */
  static final long EXACT_UP_TO = 100_000;

  private MatrixSize() {}

  /** The count: exact up to {@link #EXACT_UP_TO} before excludes, else the product; -1: unknown. */
  static long of(Object matrix) {
    if (!(matrix instanceof Map<?, ?> map)) {
      return -1;
    }
    List<String> keys = new ArrayList<>();
    List<List<?>> values = new ArrayList<>();
    List<?> include = List.of();
    List<?> exclude = List.of();
    long product = 1;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = String.valueOf(entry.getKey());
      if (!(entry.getValue() instanceof List<?> list)) {
        return -1; // an expression
      }
      if (key.equals("include")) {
        include = list;
      } else if (key.equals("exclude")) {
        exclude = list;
      } else {
        keys.add(key);
        values.add(list);
        product =
            product > Long.MAX_VALUE / Math.max(1, list.size())
                ? Long.MAX_VALUE
                : product * list.size();
      }
    }
    if (keys.isEmpty()) {
      return include.size();
    }
    if (product > EXACT_UP_TO) {
      return product;
    }
    List<Map<String, Object>> originals = new ArrayList<>();
    int[] index = new int[keys.size()];
    for (long n = 0; n < product; n++) {
      Map<String, Object> combination = new LinkedHashMap<>();
      for (int k = 0; k < keys.size(); k++) {
        combination.put(keys.get(k), values.get(k).get(index[k]));
      }
      if (exclude.stream().noneMatch(e -> e instanceof Map<?, ?> m && matches(combination, m))) {
        originals.add(combination);
      }
      for (int k = keys.size() - 1; k >= 0; k--) {
        if (++index[k] < values.get(k).size()) {
          break;
        }
        index[k] = 0;
      }
    }
    long count = originals.size();
    for (Object item : include) {
      if (item instanceof Map<?, ?> extra
          && originals.stream().noneMatch(original -> canExtend(original, extra))) {
        count++;
      }
    }
    return count;
  }

  private static boolean matches(Map<String, Object> combination, Map<?, ?> partial) {
    for (Map.Entry<?, ?> e : partial.entrySet()) {
      if (!Objects.equals(combination.get(String.valueOf(e.getKey())), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean canExtend(Map<String, Object> original, Map<?, ?> extra) {
    for (Map.Entry<?, ?> e : extra.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (original.containsKey(key) && !Objects.equals(original.get(key), e.getValue())) {
        return false;
      }
    }
    return true;
  }
}
