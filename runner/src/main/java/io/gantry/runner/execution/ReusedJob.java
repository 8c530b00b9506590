package io.gantry.runner.execution;

import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.workflow.Job;
import io.gantry.runner.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A job instance that passed in an earlier attempt and that a rerun of failed jobs carries over: it
 * is recorded again with its name and outputs, so the jobs that need it see the same {@code
 * needs.<id>.outputs}, and it does not run.
 *
 * @param key the instance key in the earlier attempt ({@code build}, or {@code build-2} in a
 *     matrix)
 * @param name its display name
 * @param outputs its job outputs
 * @param fromAttempt the attempt it ran in
 */
public record ReusedJob(String key, String name, Map<String, String> outputs, int fromAttempt) {

  private static final Pattern MATRIX_INSTANCE = Pattern.compile("-\\d+");

  /**
   * What a rerun of the failed jobs of an attempt reuses, as GitHub's "Re-run failed jobs": every
   * job whose instances all succeeded and none of whose needs (transitively) runs again. The jobs
   * that failed, were cancelled or skipped, and everything that needs them, run again.
   *
   * @param previous the jobs recorded for the earlier attempt
   * @param previousAttempt that attempt's number
   * @return the reused jobs by job id; empty when nothing can be reused
   */
  public static Map<String, List<ReusedJob>> plan(
      Workflow workflow, List<RunHistory.JobRecord> previous, int previousAttempt) {
    Map<String, List<RunHistory.JobRecord>> byJob = new LinkedHashMap<>();
    for (RunHistory.JobRecord record : previous) {
      String jobId = jobIdOf(record.jobKey(), workflow);
      if (jobId != null) {
        byJob.computeIfAbsent(jobId, k -> new ArrayList<>()).add(record);
      }
    }
    Map<String, Boolean> passed = new LinkedHashMap<>();
    for (String id : workflow.jobs().keySet()) {
      passed(id, workflow, byJob, passed);
    }
    Map<String, List<ReusedJob>> reused = new LinkedHashMap<>();
    for (Map.Entry<String, Boolean> entry : passed.entrySet()) {
      if (entry.getValue()) {
        List<ReusedJob> instances = new ArrayList<>();
        for (RunHistory.JobRecord record : byJob.get(entry.getKey())) {
          instances.add(
              new ReusedJob(record.jobKey(), record.name(), record.outputs(), previousAttempt));
        }
        reused.put(entry.getKey(), List.copyOf(instances));
      }
    }
    return reused;
  }

  /** Whether a job is reused: it and everything it needs passed last time. */
  private static boolean passed(
      String id,
      Workflow workflow,
      Map<String, List<RunHistory.JobRecord>> byJob,
      Map<String, Boolean> memo) {
    Boolean known = memo.get(id);
    if (known != null) {
      return known;
    }
    memo.put(id, false); // needs form a DAG (validated); this only guards against surprises
    Job job = workflow.jobs().get(id);
    List<RunHistory.JobRecord> records = byJob.get(id);
    boolean ok =
        job != null
            && records != null
            && records.stream()
                .allMatch(
                    r -> r.status() == RunStatus.COMPLETED && r.conclusion() == Result.SUCCESS);
    if (ok) {
      for (String need : job.needs()) {
        ok &= passed(need, workflow, byJob, memo);
      }
    }
    memo.put(id, ok);
    return ok;
  }

  /** The workflow job a recorded instance key belongs to: {@code build} or {@code build-2}. */
  private static String jobIdOf(String key, Workflow workflow) {
    if (workflow.jobs().containsKey(key)) {
      return key;
    }
    int dash = key.lastIndexOf('-');
    if (dash > 0 && MATRIX_INSTANCE.matcher(key.substring(dash)).matches()) {
      String id = key.substring(0, dash);
      return workflow.jobs().containsKey(id) ? id : null;
    }
    return null;
  }
}
