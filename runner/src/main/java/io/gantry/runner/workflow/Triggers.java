package io.gantry.runner.workflow;

import java.util.Set;

/**
 * The {@code on:} section.
 *
 * @param push the {@code push} trigger, or null when the workflow does not run on push
 * @param dispatch the {@code workflow_dispatch} trigger, or null
 * @param events every event name listed, including ones Gantry does not run (kept so a caller can
 *     say "this workflow runs on pull_request, which Gantry does not handle")
 */
public record Triggers(PushTrigger push, DispatchTrigger dispatch, Set<String> events) {}
