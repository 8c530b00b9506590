package io.gantry.runner.workflow;

import java.util.List;

/**
 * One {@code workflow_dispatch} input.
 *
 * @param type {@code string} (default), {@code boolean}, {@code number}, {@code choice} or {@code
 *     environment}
 * @param defaultValue the default as text, or null
 * @param options the allowed values of a {@code choice} input, else empty
 */
public record InputSpec(
    String name,
    String description,
    boolean required,
    String type,
    String defaultValue,
    List<String> options,
    Location location) {}
