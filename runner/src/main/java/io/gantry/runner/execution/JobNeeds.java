package io.gantry.runner.execution;

import io.gantry.runner.execution.RunExecution.JobState;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.Job;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a job of a run sees of the jobs it needs, before it starts: the {@code needs} context, the
 * status its {@code if:} sees, why it is skipped, its job-level expression context and its display
 * name. Reads the states {@link RunExecution} keeps, on the run's own thread, as it does.
 */
final class JobNeeds {

  private final RunContext run;
  private final Map<String, String> workflowEnv;
  private final Map<String, JobState> jobs;

  JobNeeds(RunContext run, Map<String, String> workflowEnv, Map<String, JobState> jobs) {
    this.run = run;
    this.workflowEnv = workflowEnv;
    this.jobs = jobs;
  }

  boolean needsConcluded(JobState state) {
    for (String need : state.job.needs()) {
      JobState other = jobs.get(need);
      if (other != null && other.conclusion == null) {
        return false;
      }
    }
    return true;
  }

  Map<String, Object> needsContext(Job job) {
    Map<String, Object> needs = new LinkedHashMap<>();
    for (String need : job.needs()) {
      JobState other = jobs.get(need);
      Map<String, Object> entry = new LinkedHashMap<>();
      Map<String, Object> outputs = new LinkedHashMap<>();
      if (other != null) {
        for (JobResult r : other.results) {
          outputs.putAll(r.outputs());
        }
      }
      entry.put("result", other == null ? "skipped" : other.conclusion.label());
      entry.put("outputs", outputs);
      needs.put(need, entry);
    }
    return needs;
  }

  /**
   * The status the job's {@code if:} sees: success when every job it needs (directly) succeeded and
   * nothing before it failed; failure when a job it depends on, directly or not, failed.
   */
  ExpressionContext.JobStatus needsStatus(Job job) {
    boolean allSucceeded = true;
    boolean anyFailed = false;
    Deque<String> todo = new ArrayDeque<>(job.needs());
    Set<String> seen = new LinkedHashSet<>();
    while (!todo.isEmpty()) {
      String id = todo.poll();
      if (!seen.add(id)) {
        continue;
      }
      JobState other = jobs.get(id);
      if (other == null) {
        continue;
      }
      if (other.conclusion == Conclusion.FAILURE) {
        anyFailed = true;
      }
      if (job.needs().contains(id) && other.conclusion != Conclusion.SUCCESS) {
        allSucceeded = false;
      }
      todo.addAll(other.job.needs());
    }
    boolean ok = allSucceeded && !anyFailed && !run.cancelled().get();
    boolean failed = anyFailed;
    boolean cancelled = run.cancelled().get();
    return new ExpressionContext.JobStatus() {
      @Override
      public boolean success() {
        return ok;
      }

      @Override
      public boolean failure() {
        return failed;
      }

      @Override
      public boolean cancelled() {
        return cancelled;
      }
    };
  }

  String skipReason(Job job) {
    if (run.cancelled().get()) {
      return "skipped: the run was cancelled";
    }
    for (String need : job.needs()) {
      JobState other = jobs.get(need);
      if (other != null && other.conclusion != Conclusion.SUCCESS) {
        return "skipped: needed job '" + need + "' " + other.conclusion.describe();
      }
    }
    return "skipped: if: condition is false";
  }

  ExpressionContext jobContext(
      Job job,
      Map<String, Object> needs,
      Map<String, Object> matrix,
      Map<String, Object> strategy) {
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", run.github());
    contexts.put("needs", needs);
    contexts.put("vars", new LinkedHashMap<String, Object>(run.request().vars()));
    contexts.put("secrets", new LinkedHashMap<String, Object>(run.request().secrets()));
    contexts.put("inputs", Contexts.inputs(run.request()));
    contexts.put("matrix", matrix);
    contexts.put("strategy", strategy);
    contexts.put("env", new LinkedHashMap<String, Object>(workflowEnv));
    return new ExpressionContext(contexts, needsStatus(job), run.workspace());
  }

  String displayName(Job job, Map<String, Object> matrix) {
    return displayName(job, matrix, needsContext(job), Map.of());
  }

  String displayName(
      Job job,
      Map<String, Object> matrix,
      Map<String, Object> needs,
      Map<String, Object> strategy) {
    String name = job.id();
    if (job.name() != null) {
      try {
        name = Expressions.interpolate(job.name(), jobContext(job, needs, matrix, strategy));
      } catch (ExpressionException e) {
        name = job.name();
      }
    }
    boolean namesMatrix = job.name() != null && job.name().contains("matrix.");
    if (!matrix.isEmpty() && !namesMatrix) {
      List<String> values = new ArrayList<>();
      for (Object v : matrix.values()) {
        values.add(Expressions.stringify(v).replaceAll("\\s+", " "));
      }
      name = name + " (" + String.join(", ", values) + ")";
    }
    return name;
  }
}
