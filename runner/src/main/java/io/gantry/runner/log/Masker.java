package io.gantry.runner.log;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Replaces secret values in log lines by {@code ***}.
 *
 * <p>A multi-line secret is masked line by line as well as whole, because a step prints it one line
 * at a time. A secret is also masked in its JSON string form (quotes, backslashes and control
 * characters escaped), as a rendered task definition or {@code toJSON()} prints it. Longer values
 * are replaced first so that a secret containing another one is not left half visible. Thread-safe:
 * values are added while steps are printing.
 */
public final class Masker {

  public static final String MASK = "***";

  private final List<String> values = new CopyOnWriteArrayList<>();

  /**
   * Adds a value to mask, each of its lines, and their JSON string forms. Blank values are ignored.
   */
  public void add(String secret) {
    if (secret == null || secret.isBlank()) {
      return;
    }
    List<String> fresh = new ArrayList<>();
    fresh.add(secret);
    if (secret.indexOf('\n') >= 0 || secret.indexOf('\r') >= 0) {
      for (String line : secret.split("\r?\n|\r")) {
        if (!line.isBlank()) {
          fresh.add(line);
          if (!line.strip().equals(line)) {
            fresh.add(line.strip());
          }
        }
      }
    }
    for (String value : List.copyOf(fresh)) {
      String json = new String(JsonStringEncoder.getInstance().quoteAsString(value));
      if (!json.equals(value)) {
        fresh.add(json);
      }
    }
    synchronized (values) {
      for (String value : fresh) {
        if (!values.contains(value)) {
          values.add(value);
        }
      }
      List<String> sorted = new ArrayList<>(values);
      sorted.sort(Comparator.comparingInt(String::length).reversed());
      values.clear();
      values.addAll(sorted);
    }
  }

  /** The text with every known secret replaced by {@code ***}. */
  public String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String masked = text;
    for (String value : values) {
      if (masked.contains(value)) {
        masked = masked.replace(value, MASK);
      }
    }
    return masked;
  }

  /** Whether any value is registered (lets hot paths skip work). */
  public boolean isEmpty() {
    return values.isEmpty();
  }
}
