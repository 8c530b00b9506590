package io.gantry.runner.execution;

import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.RunDefaults;
import io.gantry.runner.workflow.Step;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a step a runner needs, evaluated in one place before any runner is called: {@code
 * run:} and {@code working-directory} of a script step, {@code with:} of an action step, and the
 * shell. (The step's {@code name}, {@code env} and {@code timeout-minutes} are evaluated by the
 * loop, which needs them itself.)
 *
 * @param script {@code run:} evaluated, or null for a {@code uses:} step
 * @param workingDirectory resolved in the workspace (the workspace itself for a {@code uses:} step)
 * @param shell the step's, else the defaults', else {@code bash}
 * @param with {@code with:} evaluated (empty for a {@code run:} step)
 */
record StepFields(String script, Path workingDirectory, String shell, Map<String, String> with) {

  /** A field did not evaluate; the message names the step's location and the field. */
  static final class InvalidStep extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidStep(String message) {
      super(message, null, false, false);
    }
  }

  static StepFields evaluate(JobScope scope, Step step, ExpressionContext context)
      throws InvalidStep {
    String shell = shell(scope, step);
    if (step.run() != null) {
      try {
        String script = Expressions.interpolate(step.run(), context);
        return new StepFields(script, workingDirectory(scope, step, context), shell, Map.of());
      } catch (ExpressionException e) {
        throw new InvalidStep(step.location() + ": " + e.getMessage());
      }
    }
    Map<String, String> with = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> entry : step.with().entrySet()) {
        with.put(entry.getKey(), Expressions.interpolate(entry.getValue(), context));
      }
    } catch (ExpressionException e) {
      throw new InvalidStep(step.location() + ": with: " + e.getMessage());
    }
    return new StepFields(null, scope.workspace, shell, with);
  }

  private static Path workingDirectory(JobScope scope, Step step, ExpressionContext context)
      throws ExpressionException {
    String dir =
        step.workingDirectory() != null
            ? step.workingDirectory()
            : scope.defaults().workingDirectory();
    if (dir == null || dir.isBlank()) {
      return scope.workspace;
    }
    return scope.workspace.resolve(Expressions.interpolate(dir, context)).normalize();
  }

  private static String shell(JobScope scope, Step step) {
    if (step.shell() != null) {
      return step.shell();
    }
    RunDefaults defaults = scope.defaults();
    return defaults.shell() != null ? defaults.shell() : "bash";
  }

  /** The display name: {@code name:} evaluated (its text when that fails), else what it runs. */
  static String name(Step step, ExpressionContext context) {
    if (step.name() != null) {
      try {
        return Expressions.interpolate(step.name(), context);
      } catch (ExpressionException e) {
        return step.name();
      }
    }
    if (step.uses() != null) {
      return "Run " + step.uses();
    }
    return "Run " + firstLine(step.run());
  }

  static String firstLine(String text) {
    String trimmed = text.strip();
    int nl = trimmed.indexOf('\n');
    String line = nl < 0 ? trimmed : trimmed.substring(0, nl) + " …";
    return line.length() > 80 ? line.substring(0, 80) + "…" : line;
  }
}
