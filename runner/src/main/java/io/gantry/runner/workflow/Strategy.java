package io.gantry.runner.workflow;

/**
 * {@code strategy:} of a job.
 *
 * @param matrix the {@code matrix:} value as plain Java data (Map, List, String, Long, Double,
 *     Boolean, null), or a String holding a {@code ${{ }}} expression (e.g. {@code fromJSON(...)});
 *     null when absent
 * @param failFast {@code fail-fast:} as text, or null (default true)
 * @param maxParallel {@code max-parallel:} as text, or null (unbounded)
 */
public record Strategy(Object matrix, String failFast, String maxParallel, Location location) {}
