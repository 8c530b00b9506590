package io.gantry.runner.workflow;

import java.util.Map;

/**
 * {@code on.workflow_call}: what a reusable workflow takes and gives.
 *
 * @param inputs by name: type {@code string}, {@code boolean} or {@code number}, required, default
 * @param secrets the secrets it declares, by name: whether each is required
 * @param outputs by name: the value template, evaluated with the {@code jobs} context
 */
public record WorkflowCall(
    Map<String, InputSpec> inputs, Map<String, Boolean> secrets, Map<String, String> outputs) {}
