package io.gantry.runner.workflow;

import java.util.Map;

/** {@code on.workflow_dispatch} with its typed {@code inputs}, in file order. */
public record DispatchTrigger(Map<String, InputSpec> inputs) {}
