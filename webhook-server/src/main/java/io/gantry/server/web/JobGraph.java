package io.gantry.server.web;

import static io.gantry.server.web.Html.esc;

import io.gantry.runner.store.RunHistory;
import io.gantry.runner.workflow.Job;
import io.gantry.runner.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run page's graph of jobs: one column per depth of {@code needs}, each job a link to its log,
 * a matrix job's legs grouped in one box. Read from the stored jobs and the run's workflow (null
 * when it does not validate: every job then stands in the first column).
 */
final class JobGraph {

  private JobGraph() {}

  /** Columns by the depth of needs; a job's matrix legs grouped in one box. */
  static void graph(StringBuilder h, List<RunHistory.JobRecord> jobs, Workflow workflow) {
    if (jobs.isEmpty()) {
      return;
    }
    Map<String, Integer> depth = new HashMap<>();
    if (workflow != null) {
      for (String id : workflow.jobs().keySet()) {
        depth(id, workflow.jobs(), depth, 0);
      }
    }
    TreeMap<Integer, LinkedHashMap<String, List<RunHistory.JobRecord>>> columns = new TreeMap<>();
    for (RunHistory.JobRecord job : jobs) {
      String id = workflowJob(job.jobKey(), workflow);
      columns
          .computeIfAbsent(depth.getOrDefault(id, 0), d -> new LinkedHashMap<>())
          .computeIfAbsent(id, k -> new ArrayList<>())
          .add(job);
    }
    h.append("<section class=\"graph\" aria-label=\"jobs by dependency\">");
    for (Map<String, List<RunHistory.JobRecord>> column : columns.values()) {
      h.append("<div class=\"col\">");
      for (Map.Entry<String, List<RunHistory.JobRecord>> group : column.entrySet()) {
        List<RunHistory.JobRecord> legs = group.getValue();
        h.append("<div class=\"node\">");
        if (legs.size() > 1) {
          h.append("<div class=\"matrix\">")
              .append(esc(group.getKey()))
              .append(" <span class=\"sub\">(")
              .append(legs.size())
              .append(" legs)</span></div>");
        }
        for (RunHistory.JobRecord job : legs) {
          h.append("<a href=\"#job-")
              .append(esc(job.jobKey()))
              .append("\">")
              .append(Html.status(job.status(), job.conclusion()))
              .append(' ')
              .append(esc(job.name()))
              .append(" <span class=\"sub\">")
              .append(esc(Html.duration(job.startedAt(), job.finishedAt())))
              .append("</span></a>");
        }
        h.append("</div>");
      }
      h.append("</div>");
    }
    h.append("</section>");
  }

  private static int depth(String id, Map<String, Job> jobs, Map<String, Integer> memo, int guard) {
    Integer known = memo.get(id);
    if (known != null) {
      return known;
    }
    Job job = jobs.get(id);
    int d = 0;
    if (job != null && guard < 64) {
      for (String need : job.needs()) {
        d = Math.max(d, depth(need, jobs, memo, guard + 1) + 1);
      }
    }
    memo.put(id, d);
    return d;
  }

  /** The workflow's job a stored job (a matrix leg is {@code id-N}) belongs to. */
  private static String workflowJob(String key, Workflow workflow) {
    if (workflow == null || workflow.jobs().containsKey(key)) {
      return key;
    }
    int dash = key.lastIndexOf('-');
    if (dash > 0
        && key.substring(dash + 1).chars().allMatch(Character::isDigit)
        && workflow.jobs().containsKey(key.substring(0, dash))) {
      return key.substring(0, dash);
    }
    return key;
  }
}
