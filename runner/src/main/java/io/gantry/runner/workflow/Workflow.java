package io.gantry.runner.workflow;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A parsed and validated workflow file.
 *
 * <p>Values that GitHub lets hold {@code ${{ }}} expressions are kept as their source text and
 * evaluated by the executor when their contexts exist; YAML scalars of other types (numbers,
 * booleans) are kept as their text, so {@code env: {N: 1}} gives the string {@code "1"}.
 *
 * @param file the file it was read from
 * @param name {@code name:}, or the file's path relative to the workflow folder when absent
 * @param runName {@code run-name:} template, or null
 * @param on the triggers
 * @param env workflow-level {@code env:}, in file order
 * @param defaults {@code defaults.run}
 * @param concurrency {@code concurrency:}, or null
 * @param jobs the jobs in file order, by id
 * @param source the file's text as read (snapshotted with each run)
 * @param warnings validation findings that do not block the workflow
 * @param call {@code on.workflow_call} of a reusable workflow, or null
 */
public record Workflow(
    Path file,
    String name,
    String runName,
    Triggers on,
    Map<String, String> env,
    RunDefaults defaults,
    Concurrency concurrency,
    Map<String, Job> jobs,
    String source,
    List<Problem> warnings,
    WorkflowCall call) {

  /** A workflow that is not reusable. */
  public Workflow(
      Path file,
      String name,
      String runName,
      Triggers on,
      Map<String, String> env,
      RunDefaults defaults,
      Concurrency concurrency,
      Map<String, Job> jobs,
      String source,
      List<Problem> warnings) {
    this(file, name, runName, on, env, defaults, concurrency, jobs, source, warnings, null);
  }
}
