package io.gantry.runner.execution;

import java.time.Duration;
import java.util.Map;

/**
 * The result of one step.
 *
 * @param number 1-based position in the job
 * @param id the step's {@code id:}, or null
 * @param outcome the result before {@code continue-on-error} is applied
 * @param conclusion the result after it
 * @param message why it failed or was skipped, one line, or null
 */
public record StepResult(
    int number,
    String id,
    String name,
    Conclusion outcome,
    Conclusion conclusion,
    Map<String, String> outputs,
    Duration duration,
    String message) {}
