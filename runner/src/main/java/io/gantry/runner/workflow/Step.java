package io.gantry.runner.workflow;

import java.util.Map;

/**
 * One step of a job: exactly one of {@code run} and {@code uses} is non-null.
 *
 * @param id {@code id:}, or null
 * @param name {@code name:} template, or null
 * @param condition {@code if:} source, or null
 * @param run the {@code run:} script template, or null
 * @param shell {@code shell:}, or null (job, then workflow defaults, then bash)
 * @param uses {@code uses:} as written, e.g. {@code actions/checkout@v4}, or null
 * @param with {@code with:} inputs as templates, in file order
 * @param timeoutMinutes as text, or null
 * @param continueOnError as text, or null
 */
public record Step(
    String id,
    String name,
    String condition,
    Map<String, String> env,
    String run,
    String shell,
    String workingDirectory,
    String uses,
    Map<String, String> with,
    String timeoutMinutes,
    String continueOnError,
    Location location) {}
