package io.gantry.runner.execution;

import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.InputSpec;
import io.gantry.runner.workflow.JobCall;
import io.gantry.runner.workflow.WorkflowCall;
import java.util.LinkedHashMap;
import java.util.Map;

/** A reusable workflow call's {@code with:} checked against {@code on.workflow_call.inputs}. */
final class CallInputs {

  private CallInputs() {}

  /**
   * {@code with:} evaluated and checked against {@code on.workflow_call.inputs}, defaults added.
   */
  static Map<String, String> of(
      String jobId, JobCall call, WorkflowCall spec, String display, ExpressionContext context)
      throws CallChain.CallProblem, ExpressionException {
    String caller = "job '" + jobId + "': ";
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> given : call.with().entrySet()) {
      InputSpec input = spec.inputs().get(given.getKey());
      if (input == null) {
        throw new CallChain.CallProblem(
            caller
                + "input '"
                + given.getKey()
                + "' is not declared by "
                + display
                + " (on.workflow_call.inputs: "
                + (spec.inputs().isEmpty() ? "none" : String.join(", ", spec.inputs().keySet()))
                + ")");
      }
      String value;
      try {
        value = Expressions.interpolate(given.getValue(), context);
      } catch (ExpressionException e) {
        throw new ExpressionException("with." + given.getKey() + ": " + e.getMessage(), 0);
      }
      values.put(given.getKey(), checked(caller, input, value, display));
    }
    for (InputSpec input : spec.inputs().values()) {
      if (values.containsKey(input.name())) {
        continue;
      }
      if (input.defaultValue() != null) {
        values.put(
            input.name(),
            checked(
                caller, input, Expressions.interpolate(input.defaultValue(), context), display));
      } else if (input.required()) {
        throw new CallChain.CallProblem(
            caller
                + "input '"
                + input.name()
                + "' is required by "
                + display
                + "; add it under with:");
      }
    }
    return values;
  }

  private static String checked(String caller, InputSpec input, String value, String display)
      throws CallChain.CallProblem {
    boolean ok =
        switch (input.type()) {
          case "boolean" -> value.equals("true") || value.equals("false");
          case "number" -> isNumber(value);
          default -> true;
        };
    if (!ok) {
      throw new CallChain.CallProblem(
          caller
              + "input '"
              + input.name()
              + "' of "
              + display
              + " is a "
              + input.type()
              + ", got '"
              + value
              + "'");
    }
    return value;
  }

  private static boolean isNumber(String value) {
    try {
      Double.parseDouble(value.strip());
      return !value.isBlank();
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
