package io.gantry.runner.workflow;

import java.util.List;
import java.util.Map;

/**
 * One job of a workflow.
 *
 * @param id the key under {@code jobs:}
 * @param name {@code name:} template, or null (the id is shown)
 * @param needs ids of the jobs this one waits for, in file order
 * @param condition {@code if:} source (with or without {@code ${{ }}}), or null
 * @param timeoutMinutes {@code timeout-minutes:} as text (a number or an expression), or null for
 *     the default of 360
 * @param continueOnError {@code continue-on-error:} as text, or null
 * @param strategy {@code strategy:}, or null
 * @param environment {@code environment:} name (or {@code environment.name}), or null
 * @param runsOn {@code runs-on:} as written (accepted and ignored), or null
 * @param call the reusable workflow it calls ({@code uses:}), or null for a job with steps
 * @param container {@code container:}: the image the job's steps run in, or null
 * @param services {@code services:} by id, in file order (empty when none)
 */
public record Job(
    String id,
    String name,
    List<String> needs,
    String condition,
    Map<String, String> env,
    Map<String, String> outputs,
    String timeoutMinutes,
    String continueOnError,
    Strategy strategy,
    RunDefaults defaults,
    Concurrency concurrency,
    String environment,
    String runsOn,
    ContainerSpec container,
    Map<String, ContainerSpec> services,
    List<Step> steps,
    Location location,
    JobCall call) {

  /** A job with steps (no reusable workflow). */
  public Job(
      String id,
      String name,
      List<String> needs,
      String condition,
      Map<String, String> env,
      Map<String, String> outputs,
      String timeoutMinutes,
      String continueOnError,
      Strategy strategy,
      RunDefaults defaults,
      Concurrency concurrency,
      String environment,
      String runsOn,
      ContainerSpec container,
      Map<String, ContainerSpec> services,
      List<Step> steps,
      Location location) {
    this(
        id,
        name,
        needs,
        condition,
        env,
        outputs,
        timeoutMinutes,
        continueOnError,
        strategy,
        defaults,
        concurrency,
        environment,
        runsOn,
        container,
        services,
        steps,
        location,
        null);
  }

  /** A job with steps on the host (no container, no services, no reusable workflow). */
  public Job(
      String id,
      String name,
      List<String> needs,
      String condition,
      Map<String, String> env,
      Map<String, String> outputs,
      String timeoutMinutes,
      String continueOnError,
      Strategy strategy,
      RunDefaults defaults,
      Concurrency concurrency,
      String environment,
      String runsOn,
      List<Step> steps,
      Location location) {
    this(
        id,
        name,
        needs,
        condition,
        env,
        outputs,
        timeoutMinutes,
        continueOnError,
        strategy,
        defaults,
        concurrency,
        environment,
        runsOn,
        null,
        Map.of(),
        steps,
        location,
        null);
  }
}
