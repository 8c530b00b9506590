package io.gantry.runner.workflow;

import java.util.List;

/** A workflow that cannot be used: every error found, in file order. */
public final class WorkflowException extends Exception {

  private final List<Problem> problems;

  public WorkflowException(List<Problem> problems) {
    super(problems.isEmpty() ? "invalid workflow" : problems.get(0).toString());
    this.problems = List.copyOf(problems);
  }

  /** Every problem, errors and warnings, one per line when printed. */
  public List<Problem> problems() {
    return problems;
  }
}
