package io.gantry.runner.execution;

import io.gantry.runner.command.FileCommands;
import io.gantry.runner.container.JobDocker;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.log.LogStore.StepLogFile;
import io.gantry.runner.log.Masker;
import io.gantry.runner.workflow.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The step loop, written once above every {@link StepRunner}: for one step of a job, its {@code
 * if:}, its name and {@code env}, its timeout (the step's and what is left of the job's), the
 * evaluation of its fields ({@link StepFields}), the choice of runner, then the ending turned into
 * the step's outcome, {@code continue-on-error}, the file commands ({@code $GITHUB_OUTPUT}, {@code
 * $GITHUB_ENV}, {@code $GITHUB_PATH}, {@code $GITHUB_STEP_SUMMARY}), and the step's events on the
 * run's channel. Every line the step writes is masked on its way to the log ({@link StepOutput}).
 */
final class StepLoop {

  /** What a step that runs after the job's timeout (clean-up with always()) may take. */
  private static final Duration CLEAN_UP_BUDGET = Duration.ofMinutes(5);

  private final JobScope scope;
  private final List<StepRunner> runners;

  StepLoop(JobScope scope, List<StepRunner> runners) {
    this.scope = scope;
    this.runners = runners;
  }

  StepResult runStep(int number, Step step, long jobDeadline) {
    RunContext run = scope.run;
    Map<String, Object> context = scope.stepContext(scope.envContext(step, null));
    String stepName = StepFields.name(step, scope.expression(context));
    boolean runIt;
    String conditionError = null;
    try {
      runIt = Expressions.condition(step.condition(), scope.expression(context));
    } catch (ExpressionException e) {
      runIt = true;
      conditionError = step.location() + ": if: " + e.getMessage();
    }
    Instant started = Instant.now();
    if (!runIt) {
      StepResult skipped =
          new StepResult(
              number,
              step.id(),
              stepName,
              Conclusion.SKIPPED,
              Conclusion.SKIPPED,
              Map.of(),
              Duration.ZERO,
              skipReason());
      scope.record(step, skipped);
      run.listener().stepFinished(scope.key, skipped);
      return skipped;
    }
    run.listener().stepStarted(scope.key, number, stepName);
    Conclusion outcome;
    String message = null;
    Map<String, String> outputs = new LinkedHashMap<>();
    try (StepLogFile file = run.logs().open(run.runId(), scope.key, number)) {
      StepOutput out = new StepOutput(run, scope.key, scope.name, stepName, file);
      if (conditionError != null) {
        out.error(conditionError);
        outcome = Conclusion.FAILURE;
        message = conditionError;
      } else {
        Attempt attempt;
        try {
          attempt = attempt(number, step, stepName, out, jobDeadline);
        } catch (RuntimeException | Error e) {
          // Gantry's own failure, not the step's: the step ends failed with it, the job goes on.
          attempt = Attempt.failed("Gantry failed to run the step: " + cause(e));
        }
        outcome = attempt.outcome;
        message = attempt.message;
        outputs.putAll(attempt.outputs);
        if (message != null && outcome != Conclusion.SUCCESS) {
          out.error(message);
        }
      }
      boolean continueOnError = false;
      if (outcome == Conclusion.FAILURE) {
        try {
          continueOnError = JobScope.flag(step.continueOnError(), scope.expression(context));
        } catch (ExpressionException e) {
          out.error(step.location() + ": continue-on-error: " + e.getMessage());
        }
      }
      Conclusion conclusion = continueOnError ? Conclusion.SUCCESS : outcome;
      if (continueOnError) {
        out.system("The step failed; continuing (continue-on-error)");
      }
      out.flush();
      if (conclusion == Conclusion.FAILURE) {
        scope.failed = true;
      }
      Instant finished = Instant.now();
      StepResult result =
          new StepResult(
              number,
              step.id(),
              stepName,
              outcome,
              conclusion,
              outputs,
              Duration.between(started, finished),
              message);
      // Later steps of this job read every output from memory (steps.<id>.outputs), as on GitHub;
      // what leaves the job (the store, the listeners) holds none with a secret in it.
      scope.record(step, result);
      StepResult shared = withoutSecrets(result, out);
      run.listener().stepFinished(scope.key, shared);
      return shared;
    }
  }

  /**
   * The result without the outputs whose value holds a secret or an {@code ::add-mask::} value,
   * each dropped with GitHub's warning for job outputs.
   */
  private StepResult withoutSecrets(StepResult result, StepOutput out) {
    Masker masker = scope.run.masker();
    if (masker.isEmpty() || result.outputs().isEmpty()) {
      return result;
    }
    Map<String, String> kept = new LinkedHashMap<>();
    for (Map.Entry<String, String> output : result.outputs().entrySet()) {
      String value = output.getValue();
      if (value != null && !masker.mask(value).equals(value)) {
        out.warning(
            "Skip output '"
                + output.getKey()
                + "' since it may contain secret (not stored; later steps of this job still see"
                + " it)");
      } else {
        kept.put(output.getKey(), value);
      }
    }
    if (kept.size() == result.outputs().size()) {
      return result;
    }
    return new StepResult(
        result.number(),
        result.id(),
        result.name(),
        result.outcome(),
        result.conclusion(),
        kept,
        result.duration(),
        result.message());
  }

  private record Attempt(Conclusion outcome, String message, Map<String, String> outputs) {
    static Attempt failed(String message) {
      return new Attempt(Conclusion.FAILURE, message, Map.of());
    }
  }

  /**
   * The call the job's set-up runs a step's {@code pre} with ({@link PreSteps}): the step's
   * environment and fields evaluated now (no step has run), its lines in {@code out}; null when its
   * fields do not evaluate yet.
   */
  JobStepCall preCall(int number, Step step, StepOutput out, long deadline) {
    String prefix = number + ".pre.";
    Map<String, String> env =
        processEnv(
            step,
            number,
            scope.stepFiles.resolve(prefix + "output"),
            scope.stepFiles.resolve(prefix + "env"),
            scope.stepFiles.resolve(prefix + "path"),
            scope.stepFiles.resolve(prefix + "summary"));
    var expressions = scope.expression(scope.stepContext(scope.envContext(step, env)));
    StepFields fields;
    try {
      fields = StepFields.evaluate(scope, step, expressions);
    } catch (StepFields.InvalidStep e) {
      return null;
    }
    String name = "Pre " + StepFields.name(step, expressions);
    return new JobStepCall(scope, step, number, name, env, fields, deadline, out, runners);
  }

  private Attempt attempt(
      int number, Step step, String stepName, StepOutput out, long jobDeadline) {
    // The files are not created up front: a step appends with >>, which creates them, and a file
    // that is missing reads as empty. On slow file systems that saves milliseconds per step.
    String prefix = number + ".";
    Path outputFile = scope.stepFiles.resolve(prefix + "output");
    Path envFile = scope.stepFiles.resolve(prefix + "env");
    Path pathFile = scope.stepFiles.resolve(prefix + "path");
    Path summaryFile = scope.stepFiles.resolve(prefix + "summary");
    Map<String, String> env = processEnv(step, number, outputFile, envFile, pathFile, summaryFile);
    Map<String, Object> context = scope.stepContext(scope.envContext(step, env));
    Duration stepTimeout;
    try {
      stepTimeout = scope.timeout(step.timeoutMinutes(), null);
    } catch (ExpressionException e) {
      return Attempt.failed(step.location() + ": timeout-minutes: " + e.getMessage());
    }
    // After the job timed out, a step that runs anyway (if: always()) gets a budget of its own.
    long limit = scope.timedOut ? System.nanoTime() + CLEAN_UP_BUDGET.toNanos() : jobDeadline;
    long deadline =
        stepTimeout == null ? limit : Math.min(limit, System.nanoTime() + stepTimeout.toNanos());
    boolean jobDeadlineRules = !scope.timedOut && (stepTimeout == null || deadline == jobDeadline);
    StepFields fields;
    try {
      fields = StepFields.evaluate(scope, step, scope.expression(context));
    } catch (StepFields.InvalidStep e) {
      return Attempt.failed(e.getMessage());
    }
    JobStepCall call =
        new JobStepCall(scope, step, number, stepName, env, fields, deadline, out, runners);
    StepEnding ending = run(call);
    Map<String, String> outputs = new LinkedHashMap<>(call.outputs);
    if (ending instanceof StepEnding.TimedOut) {
      if (jobDeadlineRules) {
        scope.timedOut = true;
        return new Attempt(
            Conclusion.FAILURE,
            "the job exceeded its timeout of " + scope.jobTimeoutText() + "; the step was stopped",
            outputs);
      }
      return new Attempt(
          Conclusion.FAILURE,
          "the step exceeded its timeout of " + scope.minutesText(step.timeoutMinutes(), null),
          outputs);
    }
    outputs.putAll(out.legacyOutputs());
    try {
      outputs.putAll(FileCommands.readPairs(outputFile, "GITHUB_OUTPUT"));
      scope.exported.putAll(FileCommands.readPairs(envFile, "GITHUB_ENV"));
      for (String p : FileCommands.readPaths(pathFile)) {
        scope.pathPrefix.add(0, p);
      }
      appendSummary(summaryFile);
    } catch (FileCommands.FormatException e) {
      return new Attempt(Conclusion.FAILURE, e.getMessage(), outputs);
    }
    if (ending instanceof StepEnding.Failed failed) {
      return new Attempt(Conclusion.FAILURE, failed.reason(), outputs);
    }
    if (ending instanceof StepEnding.Cancelled cancelled) {
      return new Attempt(Conclusion.CANCELLED, cancelled.reason(), outputs);
    }
    return new Attempt(Conclusion.SUCCESS, null, outputs);
  }

  /**
   * The step's runner, asked to run it; whatever a runner throws (an {@link Error} too) fails the
   * step with its cause, never the job's thread.
   */
  @SuppressWarnings("IllegalCatch")
  private StepEnding run(JobStepCall call) {
    Step step = call.step();
    StepRunner runner;
    try {
      runner = StepRunners.select(runners, call);
    } catch (RuntimeException | Error e) {
      return StepEnding.failed("choosing a runner for " + describe(step) + " failed: " + cause(e));
    }
    if (runner == null) {
      String problem =
          step.uses() != null
              ? scope.run.actions().problemWith(step.uses())
              : "no step runner runs this step";
      return StepEnding.failed(step.location() + ": " + problem);
    }
    try {
      return runner.run(call);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepEnding.cancelled("the step was interrupted");
    } catch (Exception | Error e) {
      return StepEnding.failed(describe(step) + " failed: " + cause(e));
    }
  }

  private static String describe(Step step) {
    return step.uses() != null ? step.uses() : "the step";
  }

  /** The message, or for an exception without one (or an {@link Error}) its type too. */
  static String cause(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return e instanceof Error ? e.getClass().getSimpleName() + ": " + message : message;
  }

  private Map<String, String> processEnv(
      Step step, int number, Path output, Path envFile, Path pathFile, Path summary) {
    Map<String, String> env = new LinkedHashMap<>(scope.run.baseEnv());
    JobDocker docker = scope.hostDocker();
    if (docker != null) {
      // before the workflow's env, which may set its own DOCKER_CONFIG
      env.putAll(docker.environment());
      env.put("PATH", docker.binDirectory() + ":" + env.getOrDefault("PATH", ""));
    }
    env.putAll(scope.envContext(null, null));
    env.put("GITHUB_JOB", scope.job.id());
    env.put(JobMarkers.VARIABLE, scope.marker());
    env.put("GITHUB_WORKSPACE", scope.workspace.toString());
    env.put("GITHUB_ACTION", step.id() != null ? step.id() : "__run_" + number);
    env.put("GITHUB_OUTPUT", output.toString());
    env.put("GITHUB_ENV", envFile.toString());
    env.put("GITHUB_PATH", pathFile.toString());
    env.put("GITHUB_STEP_SUMMARY", summary.toString());
    // The runtime's ACTIONS_* (a job's token) go to actions only, as on GitHub; the rest (the
    // tool cache, for one) to every step.
    scope.servicesEnv.forEach(
        (name, value) -> {
          if (step.uses() != null || !name.startsWith("ACTIONS_")) {
            env.put(name, value);
          }
        });
    if (!scope.pathPrefix.isEmpty()) {
      env.put("PATH", String.join(":", scope.pathPrefix) + ":" + env.getOrDefault("PATH", ""));
    }
    var expressions = scope.expression(scope.stepContext(scope.envContext(null, null)));
    for (Map.Entry<String, String> e : step.env().entrySet()) {
      try {
        env.put(e.getKey(), Expressions.interpolate(e.getValue(), expressions));
      } catch (ExpressionException ex) {
        // Reported when the script is interpolated with the same contexts; keep the raw text.
        env.put(e.getKey(), e.getValue());
      }
    }
    return env;
  }

  private void appendSummary(Path summary) throws FileCommands.FormatException {
    try {
      if (!Files.exists(summary) || Files.size(summary) == 0) {
        return;
      }
      RunContext run = scope.run;
      Path target = run.logs().stepLog(run.runId(), scope.key, 0).resolveSibling("summary.md");
      Files.createDirectories(target.getParent());
      Files.writeString(
          target,
          run.masker().mask(Files.readString(summary, StandardCharsets.UTF_8)) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new FileCommands.FormatException("cannot read $GITHUB_STEP_SUMMARY: " + e.getMessage());
    }
  }

  private String skipReason() {
    if (scope.timedOut) {
      return "skipped: the job timed out";
    }
    if (scope.cancelled()) {
      return "skipped: the run was cancelled";
    }
    if (scope.failed) {
      return "skipped: an earlier step failed";
    }
    return "skipped: if: condition is false";
  }
}
