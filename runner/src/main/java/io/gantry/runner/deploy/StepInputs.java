package io.gantry.runner.deploy;

import io.gantry.runner.aws.AwsProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a step's inputs as the actions' toolkit does ({@code core.getInput}, {@code
 * getBooleanInput}, {@code getMultilineInput}), with a one-line {@link AwsProblem} naming the input
 * for a value that cannot be read.
 */
public final class StepInputs {

  private static final Set<String> TRUE = Set.of("true", "True", "TRUE");
  private static final Set<String> FALSE = Set.of("false", "False", "FALSE");
  private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  /** An input's value by name, {@code ""} when not given. */
  private final UnaryOperator<String> input;

  /**
   * A step's inputs ({@code ActionContext.inputs()}) or recorded ones, by name; a name that is
   * absent or null reads as {@code ""}.
   */
  public StepInputs(Map<String, String> inputs) {
    this.input = name -> inputs.get(name) == null ? "" : inputs.get(name);
  }

  /** The input as given (not trimmed); {@code ""} when not given. */
  public String raw(String name) {
    return input.apply(name);
  }

  /** The input, trimmed; {@code ""} when not given. */
  public String text(String name) {
    return raw(name).trim();
  }

  /** A YAML 1.2 core-schema boolean; {@code fallback} when not given. */
  public boolean bool(String name, boolean fallback) throws AwsProblem {
    String value = text(name);
    if (value.isEmpty()) {
      return fallback;
    }
    if (TRUE.contains(value)) {
      return true;
    }
    if (FALSE.contains(value)) {
      return false;
    }
    throw new AwsProblem("input '" + name + "' must be true or false, got '" + value + "'");
  }

  /** A whole number from {@code min} to {@code max}; {@code fallback} when not given. */
  public int integer(String name, int fallback, int min, int max) throws AwsProblem {
    String value = text(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      int number = Integer.parseInt(value);
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new AwsProblem(
        "input '"
            + name
            + "' must be a whole number from "
            + min
            + " to "
            + max
            + ", got '"
            + value
            + "'");
  }

  /**
   * A duration written as one or more whole numbers with a unit ({@code ms}, {@code s}, {@code m},
   * {@code h}), e.g. {@code 500ms}, {@code 2s}, {@code 1m30s}; {@code fallback} when not given. It
   * must be more than zero.
   */
  public Duration duration(String name, Duration fallback) throws AwsProblem {
    String value = text(name);
    if (value.isEmpty()) {
      return fallback;
    }
    Matcher part = DURATION_PART.matcher(value);
    Duration total = Duration.ZERO;
    int end = 0;
    try {
      while (part.find() && part.start() == end) {
        long amount = Long.parseLong(part.group(1));
        total =
            total.plus(
                switch (part.group(2)) {
                  case "ms" -> Duration.ofMillis(amount);
                  case "s" -> Duration.ofSeconds(amount);
                  case "m" -> Duration.ofMinutes(amount);
                  default -> Duration.ofHours(amount);
                });
        end = part.end();
      }
    } catch (ArithmeticException | NumberFormatException e) {
      end = -1;
    }
    if (end != value.length() || total.isZero()) {
      throw new AwsProblem(
          "input '"
              + name
              + "' must be a duration like 500ms, 2s, 1m or 1m30s, got '"
              + value
              + "'");
    }
    return total;
  }

  /** A duration as the inputs write it: {@code 500ms}, {@code 2s}, {@code 1m30s}. */
  public static String show(Duration duration) {
    if (duration.toMillisPart() != 0 || duration.isZero()) {
      return duration.toMillis() + "ms";
    }
    StringBuilder text = new StringBuilder();
    if (duration.toHours() > 0) {
      text.append(duration.toHours()).append('h');
    }
    if (duration.toMinutesPart() > 0) {
      text.append(duration.toMinutesPart()).append('m');
    }
    if (duration.toSecondsPart() > 0) {
      text.append(duration.toSecondsPart()).append('s');
    }
    return text.toString();
  }

  /** The non-blank lines of the input, trimmed. */
  public List<String> lines(String name) {
    List<String> lines = new ArrayList<>();
    for (String line : raw(name).split("\\R")) {
      if (!line.isBlank()) {
        lines.add(line.trim());
      }
    }
    return lines;
  }
}
