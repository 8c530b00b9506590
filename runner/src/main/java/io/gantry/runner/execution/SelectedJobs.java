package io.gantry.runner.execution;

import io.gantry.runner.workflow.Job;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which jobs of a run's workflow run ({@link RunRequest#jobs()}). */
final class SelectedJobs {

  private SelectedJobs() {}

  /** The jobs to run: all, or the ones asked for and everything they need. */
  static List<String> of(RunRequest request) {
    Map<String, Job> all = request.workflow().jobs();
    if (request.jobs().isEmpty()) {
      return new ArrayList<>(all.keySet());
    }
    Set<String> selected = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(request.jobs());
    while (!todo.isEmpty()) {
      String id = todo.poll();
      if (all.containsKey(id) && selected.add(id)) {
        todo.addAll(all.get(id).needs());
      }
    }
    List<String> ordered = new ArrayList<>();
    for (String id : all.keySet()) {
      if (selected.contains(id)) {
        ordered.add(id);
      }
    }
    return ordered;
  }
}
