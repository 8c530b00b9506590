package io.gantry.runner.action.node;

import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The inputs an action receives: the step's {@code with:} plus the defaults of its {@code
 * action.yml}, which may hold expressions ({@code ${{ github.token }}}, {@code ${{ runner.debug ==
 * '1' }}}) evaluated in the step's context, as GitHub's runner does. Used by every kind of action
 * (JavaScript, composite, docker).
 *
 * @param values every input by name, as given or defaulted
 * @param warnings what GitHub's runner would warn about (an input the action does not declare, a
 *     deprecated input, a required input left out)
 */
public record ActionInputs(Map<String, String> values, List<String> warnings) {

  /**
   * @param with the step's evaluated {@code with:} values
   * @param context for the defaults' expressions
   * @throws NodeActionException when a default's expression cannot be evaluated
   */
  public static ActionInputs resolve(
      ActionManifest manifest, Map<String, String> with, ExpressionContext context)
      throws NodeActionException {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    for (Map.Entry<String, ActionManifest.Input> e : manifest.inputs().entrySet()) {
      String name = e.getKey();
      ActionManifest.Input input = e.getValue();
      String given = get(with, name);
      if (given != null) {
        values.put(name, given);
        if (input.deprecationMessage() != null) {
          warnings.add(
              "Input '"
                  + name
                  + "' has been deprecated with message: "
                  + input.deprecationMessage());
        }
      } else if (input.defaultValue() != null) {
        try {
          values.put(name, Expressions.interpolate(input.defaultValue(), context));
        } catch (ExpressionException ex) {
          throw new NodeActionException(
              manifest.file()
                  + ": the default of input '"
                  + name
                  + "' cannot be evaluated: "
                  + ex.getMessage(),
              ex);
        }
      } else if (input.required()) {
        warnings.add("Input required and not supplied: " + name);
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (Map.Entry<String, String> e : with.entrySet()) {
      if (get(manifest.inputs(), e.getKey()) == null) {
        unexpected.add(e.getKey());
        values.put(e.getKey(), e.getValue());
      }
    }
    if (!unexpected.isEmpty()) {
      warnings.add(
          "Unexpected input(s) '"
              + String.join("', '", unexpected)
              + "', valid inputs are "
              + manifest.inputs().keySet());
    }
    return new ActionInputs(values, warnings);
  }

  /** The environment variables an action reads its inputs from ({@code INPUT_WHO-TO-GREET}). */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    values.forEach((name, value) -> env.put(variable(name), value));
    return env;
  }

  /**
   * {@code INPUT_} plus the name upper-cased, spaces as underscores (as @actions/core reads it).
   */
  public static String variable(String name) {
    return "INPUT_" + name.replace(' ', '_').toUpperCase(Locale.ROOT);
  }

  /** Input names are case-insensitive on GitHub. */
  private static <V> V get(Map<String, V> map, String name) {
    V exact = map.get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, V> e : map.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }
}
