package io.gantry.runner.execution;

import io.gantry.runner.workflow.Workflow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a workflow sits in a tree of reusable workflow calls: the workflows above it (for cycles
 * and the nesting limit), the repository its {@code ./} calls resolve in, and the unique workflows
 * the whole run called (for GitHub's limit on them).
 *
 * <p>GitHub's limits (docs, "Reusing workflow configurations"): github.com connects up to ten
 * levels of workflows (the caller and nine levels of reusable ones; GitHub Enterprise Server four),
 * and a workflow file may call at most 20 unique reusable workflows, nested ones included.
 *
 * @param chain the workflows from the top-level one down to this one
 * @param root the folder of the repository this workflow is in (its {@code ./} calls resolve
 *     there), or null for the caller's repository ({@link RunRequest#sourceDirectory()})
 * @param repository {@code OWNER/REPO@REF} of that repository, or "" for the caller's
 */
record CallChain(List<String> chain, Path root, String repository, Set<String> unique) {

  static final int MAX_LEVELS = 10;
  static final int MAX_UNIQUE = 20;

  /** A problem with a call, as one line. */
  static final class CallProblem extends Exception {
    private static final long serialVersionUID = 1L;

    CallProblem(String message) {
      super(message, null, false, false);
    }
  }

  static CallChain top(Workflow workflow) {
    Path file = workflow.file();
    String name = file == null ? workflow.name() : "./.github/workflows/" + file.getFileName();
    return new CallChain(List.of(name), null, "", ConcurrentHashMap.newKeySet());
  }

  /** The chain below a call of {@code identity}, or why the call is refused. */
  CallChain enter(String identity, Path calleeRoot, String calleeRepository) throws CallProblem {
    List<String> below = new ArrayList<>(chain);
    below.add(identity);
    if (chain.contains(identity)) {
      throw new CallProblem(
          "reusable workflow "
              + identity
              + " calls itself ("
              + String.join(" → ", below)
              + "); remove the job that calls it again");
    }
    if (below.size() > MAX_LEVELS) {
      throw new CallProblem(
          "reusable workflows are nested "
              + below.size()
              + " levels deep (the limit is "
              + MAX_LEVELS
              + ", as on GitHub): "
              + String.join(" → ", below));
    }
    unique.add(identity);
    if (unique.size() > MAX_UNIQUE) {
      throw new CallProblem(
          "this run calls more than "
              + MAX_UNIQUE
              + " unique reusable workflows (GitHub's limit); "
              + identity
              + " is one too many");
    }
    return new CallChain(List.copyOf(below), calleeRoot, calleeRepository, unique);
  }
}
