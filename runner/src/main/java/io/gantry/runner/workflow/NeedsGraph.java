package io.gantry.runner.workflow;

import io.gantry.runner.suggest.Suggestions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/** Checks {@code needs}: every id names a job, and the jobs form no cycle. */
final class NeedsGraph {

  private enum Mark {
    VISITING,
    DONE
  }

  private final Report report;
  private final Map<String, JobReader.Read> jobs;
  private final Map<String, Node> jobKeys;
  private final Map<String, Mark> marks = new HashMap<>();

  /**
   * @param jobs the jobs read, in file order
   * @param jobKeys each job's key node, for locating a cycle
   */
  NeedsGraph(Report report, Map<String, JobReader.Read> jobs, Map<String, Node> jobKeys) {
    this.report = report;
    this.jobs = jobs;
    this.jobKeys = jobKeys;
  }

  void check() {
    List<String> ids = List.copyOf(jobKeys.keySet());
    jobs.forEach(
        (id, read) ->
            read.needNodes()
                .forEach(
                    (need, node) -> {
                      if (!jobKeys.containsKey(need)) {
                        report.error(
                            node,
                            "job '"
                                + id
                                + "' needs '"
                                + need
                                + "', which is not a job of this workflow"
                                + Suggestions.hint(
                                    need,
                                    ids.stream().filter(other -> !other.equals(id)).toList(),
                                    "job ids"));
                      }
                    }));
    for (String id : jobs.keySet()) {
      visit(id, new ArrayList<>());
    }
  }

  private void visit(String id, List<String> path) {
    Mark mark = marks.get(id);
    if (mark == Mark.DONE || !jobs.containsKey(id)) {
      return;
    }
    if (mark == Mark.VISITING) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
      cycle.add(id);
      report.error(
          jobKeys.get(cycle.get(0)),
          "jobs need each other in a cycle: "
              + String.join(" -> ", cycle)
              + "; remove one of these needs");
      return;
    }
    marks.put(id, Mark.VISITING);
    path.add(id);
    for (String need : jobs.get(id).needNodes().keySet()) {
      visit(need, path);
    }
    path.remove(path.size() - 1);
    marks.put(id, Mark.DONE);
  }
}
