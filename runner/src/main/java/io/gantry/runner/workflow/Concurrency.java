package io.gantry.runner.workflow;

/**
 * {@code concurrency:} of a workflow or job.
 *
 * @param group the group name template (may hold {@code ${{ }}})
 * @param cancelInProgress {@code "true"}, {@code "false"} or an expression template
 */
public record Concurrency(String group, String cancelInProgress, Location location) {}
