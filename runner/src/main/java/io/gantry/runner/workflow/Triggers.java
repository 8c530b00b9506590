package io.gantry.runner.workflow;

import io.gantry.runner.cron.Cron;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code on:} section.
 *
 * @param push the {@code push} trigger, or null when the workflow does not run on push
 * @param dispatch the {@code workflow_dispatch} trigger, or null
 * @param events every event name listed, including ones Gantry does not run (kept so a caller can
 *     say "this workflow runs on pull_request, which Gantry does not handle")
 * @param schedules the {@code on.schedule} cron lines, in file order; empty when none
 * @param filters the filters of the other events Gantry runs on ({@code repository_dispatch},
 *     {@code workflow_run}), by event name; an event absent here does not run the workflow
 */
public record Triggers(
    PushTrigger push,
    DispatchTrigger dispatch,
    Set<String> events,
    List<Cron> schedules,
    Map<String, EventTrigger> filters) {

  public Triggers {
    schedules = schedules == null ? List.of() : List.copyOf(schedules);
    filters = filters == null ? Map.of() : Map.copyOf(filters);
  }

  /** Without schedules or other events. */
  public Triggers(PushTrigger push, DispatchTrigger dispatch, Set<String> events) {
    this(push, dispatch, events, List.of(), Map.of());
  }

  /** The filters of {@code event}, or null when the workflow does not run on it. */
  public EventTrigger on(String event) {
    return filters.get(event);
  }
}
