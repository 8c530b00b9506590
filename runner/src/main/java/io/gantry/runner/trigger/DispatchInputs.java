package io.gantry.runner.trigger;

import io.gantry.runner.workflow.DispatchTrigger;
import io.gantry.runner.workflow.InputSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the inputs of a {@code workflow_dispatch} run against the workflow's declaration and fills
 * in defaults, as GitHub does before it starts the run.
 */
public final class DispatchInputs {

  private DispatchInputs() {}

  /** Inputs that do not fit the declaration: every fault, one per line. */
  public static final class InvalidInputsException extends Exception {
    private final List<String> problems;

    InvalidInputsException(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  /** The full set of inputs: given values checked, defaults added. */
  public static Map<String, String> resolve(
      String workflowName, DispatchTrigger trigger, Map<String, String> given)
      throws InvalidInputsException {
    List<String> problems = new ArrayList<>();
    Map<String, InputSpec> declared = trigger == null ? Map.of() : trigger.inputs();
    Map<String, String> inputs = new LinkedHashMap<>();
    for (String name : given.keySet()) {
      if (!declared.containsKey(name)) {
        problems.add(
            workflowName
                + ": unknown input '"
                + name
                + "'"
                + (declared.isEmpty()
                    ? "; the workflow declares no inputs"
                    : "; declared: " + String.join(", ", declared.keySet())));
      }
    }
    for (InputSpec spec : declared.values()) {
      String value = given.get(spec.name());
      if (value == null) {
        value = spec.defaultValue();
      }
      if (value == null) {
        if (spec.required()) {
          problems.add(
              workflowName
                  + ": input '"
                  + spec.name()
                  + "' is required; pass it with -i "
                  + spec.name()
                  + "=VALUE");
          continue;
        }
        value = spec.type() != null && spec.type().equals("boolean") ? "false" : "";
      }
      String type = spec.type() == null ? "string" : spec.type();
      switch (type) {
        case "boolean" -> {
          if (!value.equals("true") && !value.equals("false")) {
            problems.add(
                workflowName
                    + ": input '"
                    + spec.name()
                    + "' is a boolean; use true or false, got '"
                    + value
                    + "'");
          }
        }
        case "number" -> {
          try {
            if (!value.isEmpty()) {
              Double.parseDouble(value);
            }
          } catch (NumberFormatException e) {
            problems.add(
                workflowName + ": input '" + spec.name() + "' is a number, got '" + value + "'");
          }
        }
        case "choice" -> {
          if (!spec.options().contains(value)) {
            problems.add(
                workflowName
                    + ": input '"
                    + spec.name()
                    + "' must be one of "
                    + String.join(", ", spec.options())
                    + ", got '"
                    + value
                    + "'");
          }
        }
        default -> {}
      }
      inputs.put(spec.name(), value);
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputsException(problems);
    }
    return inputs;
  }
}
