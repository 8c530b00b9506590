package io.gantry.runner.workflow;

import java.util.Set;

/**
 * Which contexts an expression may read, by where it stands: GitHub's context availability table
 * (docs.github.com, "Contexts", "Context availability").
 */
final class Contexts {

  private Contexts() {}

  static final Set<String> RUN_NAME = Set.of("github", "inputs", "vars");
  static final Set<String> WORKFLOW_ENV = Set.of("github", "secrets", "inputs", "vars");
  static final Set<String> WORKFLOW_CONCURRENCY = Set.of("github", "inputs", "vars");
  static final Set<String> WORKFLOW_DEFAULTS_RUN = Set.of("github", "inputs", "vars");

  static final Set<String> JOB_IF = Set.of("github", "needs", "vars", "inputs");
  static final Set<String> STRATEGY = Set.of("github", "needs", "vars", "inputs");

  /** Job {@code name}, {@code timeout-minutes}, {@code continue-on-error}, {@code environment}. */
  static final Set<String> JOB = Set.of("github", "needs", "strategy", "matrix", "vars", "inputs");

  static final Set<String> JOB_ENV =
      Set.of("github", "needs", "strategy", "matrix", "vars", "secrets", "inputs");
  static final Set<String> JOB_CONCURRENCY = JOB;

  /** {@code with} and {@code secrets} of a job calling a reusable workflow. */
  static final Set<String> JOB_WITH = JOB;

  static final Set<String> JOB_SECRETS = JOB_ENV;

  /** {@code on.workflow_call.outputs.<name>.value}. */
  static final Set<String> CALL_OUTPUTS = Set.of("github", "jobs", "vars", "inputs");

  static final Set<String> JOB_DEFAULTS_RUN =
      Set.of("github", "needs", "strategy", "matrix", "env", "vars", "inputs");
  static final Set<String> ENVIRONMENT_URL =
      Set.of(
          "github",
          "needs",
          "strategy",
          "matrix",
          "job",
          "runner",
          "env",
          "vars",
          "steps",
          "inputs");

  /** Job {@code outputs}, and step {@code name}, {@code run}, {@code env}, {@code with}, .... */
  static final Set<String> STEP =
      Set.of(
          "github",
          "needs",
          "strategy",
          "matrix",
          "job",
          "runner",
          "env",
          "vars",
          "secrets",
          "steps",
          "inputs");

  /** Step {@code if}: as {@link #STEP} but without {@code secrets}. */
  static final Set<String> STEP_IF =
      Set.of(
          "github",
          "needs",
          "strategy",
          "matrix",
          "job",
          "runner",
          "env",
          "vars",
          "steps",
          "inputs");
}
