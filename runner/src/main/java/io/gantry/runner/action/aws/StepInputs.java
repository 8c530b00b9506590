package io.gantry.runner.action.aws;

import io.gantry.runner.action.ActionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a step's inputs as the actions' toolkit does ({@code core.getInput}, {@code
 * getBooleanInput}, {@code getMultilineInput}), with a one-line {@link StepProblem} naming the
 * input for a value that cannot be read.
 */
final class StepInputs {

  private static final Set<String> TRUE = Set.of("true", "True", "TRUE");
  private static final Set<String> FALSE = Set.of("false", "False", "FALSE");

  private final ActionContext context;

  StepInputs(ActionContext context) {
    this.context = context;
  }

  /** The input, trimmed; {@code ""} when not given. */
  String text(String name) {
    return context.input(name).trim();
  }

  /** A YAML 1.2 core-schema boolean; {@code fallback} when not given. */
  boolean bool(String name, boolean fallback) throws StepProblem {
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
    throw new StepProblem("input '" + name + "' must be true or false, got '" + value + "'");
  }

  /** A whole number from {@code min} to {@code max}; {@code fallback} when not given. */
  int integer(String name, int fallback, int min, int max) throws StepProblem {
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
    throw new StepProblem(
        "input '" + name + "' must be a whole number from " + min + " to " + max + ", got '"
            + value + "'");
  }

  /** The non-blank lines of the input, trimmed. */
  List<String> lines(String name) {
    List<String> lines = new ArrayList<>();
    for (String line : context.input(name).split("\\R")) {
      if (!line.isBlank()) {
        lines.add(line.trim());
      }
    }
    return lines;
  }
}
