package io.gantry.runner.execution;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.command.FileCommands;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.log.LogStore.StepLogFile;
import io.gantry.runner.workflow.Job;
import io.gantry.runner.workflow.Location;
import io.gantry.runner.workflow.RunDefaults;
import io.gantry.runner.workflow.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the steps of one job instance, in order, on the calling thread, and concludes it.
 *
 * <p>A step that fails is a value ({@link StepResult}), never an exception: the job goes on to
 * evaluate the {@code if:} of the later steps with {@code failure()} true. Whatever the job
 * started is killed when it ends (GitHub's "cleaning up orphan processes"), exactly once.
 */
final class JobExecution implements Callable<JobResult> {

  private final RunContext run;
  private final Job job;
  private final String key;
  private final String name;
  private final long jobId;
  private final Map<String, Object> matrix;
  private final Map<String, Object> strategy;
  private final Map<String, Object> needs;
  private final Map<String, String> workflowEnv;
  private final AtomicBoolean stopped;
  private final Path workspace;
  /** Scripts and the files steps talk back through, named by step number. */
  private final Path stepFiles;

  private final Map<String, Object> stepsContext = new LinkedHashMap<>();
  private final Map<String, String> exported = new LinkedHashMap<>();
  private final io.gantry.runner.action.RegistryLogins registryLogins =
      new io.gantry.runner.action.RegistryLogins();
  private final io.gantry.runner.action.JobDeploys jobDeploys =
      new io.gantry.runner.action.JobDeploys();
  private final List<String> pathPrefix = new ArrayList<>();
  private final List<ProcessHandle> leaders = new ArrayList<>();
  private Map<String, String> jobEnv = Map.of();
  private boolean failed;
  private boolean timedOut;

  JobExecution(
      RunContext run,
      Job job,
      String key,
      String name,
      long jobId,
      Map<String, Object> matrix,
      Map<String, Object> strategy,
      Map<String, Object> needs,
      Map<String, String> workflowEnv,
      AtomicBoolean stopped) {
    this.run = run;
    this.job = job;
    this.key = key;
    this.name = name;
    this.jobId = jobId;
    this.matrix = matrix;
    this.strategy = strategy;
    this.needs = needs;
    this.workflowEnv = workflowEnv;
    this.stopped = stopped;
    this.workspace = run.workspaceOf(key);
    this.stepFiles = run.runnerTemp().resolve("_steps").resolve(key);
  }

  long jobId() {
    return jobId;
  }

  String key() {
    return key;
  }

  String name() {
    return name;
  }

  @Override
  public JobResult call() {
    Instant started = Instant.now();
    run.store().jobStarted(jobId, started);
    run.listener().jobStarted(key, name);
    List<StepResult> results = new ArrayList<>();
    Map<String, String> outputs = new LinkedHashMap<>();
    String message = null;
    try (StepLogFile setupLog = run.logs().open(run.runId(), key, 0)) {
      Files.createDirectories(workspace);
      Files.createDirectories(stepFiles);
      StepOutput setup = new StepOutput(run, key, name, "Set up job", setupLog);
      setup.system("Job '" + name + "' (" + job.location() + ")");
      if (!matrix.isEmpty()) {
        setup.system("Matrix: " + Expressions.stringify(matrix).replaceAll("\\s+", " "));
      }
      if (job.environment() != null) {
        setup.system("Environment: " + job.environment());
      }
      long deadline;
      boolean continueOnError;
      try {
        jobEnv = evaluateEnv(job.env(), jobContext(workflowEnv));
        deadline =
            System.nanoTime()
                + timeout(job.timeoutMinutes(), run.options().defaultJobTimeout()).toNanos();
        continueOnError = flag(job.continueOnError(), jobContext(workflowEnv));
      } catch (ExpressionException e) {
        setup.error(job.location() + ": " + e.getMessage());
        return finish(started, Conclusion.FAILURE, outputs, results, e.getMessage(), false);
      }
      setup.flush();
      for (int i = 0; i < job.steps().size(); i++) {
        StepResult result = runStep(i + 1, job.steps().get(i), deadline);
        results.add(result);
        if (timedOut && message == null) {
          message =
              "the job exceeded its timeout of "
                  + minutesText(job.timeoutMinutes(), run.options().defaultJobTimeout());
        }
      }
      Conclusion conclusion;
      if (timedOut) {
        conclusion = Conclusion.FAILURE;
      } else if (cancelled()) {
        conclusion = Conclusion.CANCELLED;
        message = "cancelled";
      } else if (failed) {
        conclusion = Conclusion.FAILURE;
        message = firstFailure(results);
      } else {
        conclusion = Conclusion.SUCCESS;
      }
      outputs.putAll(evaluateOutputs(setup));
      return finish(started, conclusion, outputs, results, message, continueOnError);
    } catch (IOException e) {
      return finish(
          started,
          Conclusion.FAILURE,
          outputs,
          results,
          "cannot create the workspace " + workspace + ": " + e.getMessage(),
          false);
    } finally {
      cleanUp();
    }
  }

  private JobResult finish(
      Instant started,
      Conclusion conclusion,
      Map<String, String> outputs,
      List<StepResult> steps,
      String message,
      boolean continueOnError) {
    Instant finished = Instant.now();
    JobResult result =
        new JobResult(
            key,
            job.id(),
            name,
            matrix,
            conclusion,
            outputs,
            List.copyOf(steps),
            Duration.between(started, finished),
            message,
            continueOnError && conclusion == Conclusion.FAILURE);
    run.store().jobFinished(jobId, conclusion.label(), outputs, finished);
    return result;
  }

  private StepResult runStep(int number, Step step, long jobDeadline) {
    Map<String, Object> context = stepContext(envContext(step, null));
    String stepName = stepName(step, context);
    boolean runIt;
    String conditionError = null;
    try {
      runIt = Expressions.condition(step.condition(), expression(context, stepStatus()));
    } catch (ExpressionException e) {
      runIt = true;
      conditionError = step.location() + ": if: " + e.getMessage();
    }
    Instant started = Instant.now();
    if (!runIt) {
      long stepId = run.store().stepStarted(jobId, number, stepName, started);
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
      run.store().stepFinished(stepId, "skipped", "skipped", Map.of(), started);
      record(step, skipped);
      run.listener().stepFinished(key, skipped);
      return skipped;
    }
    long stepId = run.store().stepStarted(jobId, number, stepName, started);
    run.listener().stepStarted(key, number, stepName);
    Conclusion outcome;
    String message = null;
    Map<String, String> outputs = new LinkedHashMap<>();
    try (StepLogFile file = run.logs().open(run.runId(), key, number)) {
      StepOutput out = new StepOutput(run, key, name, stepName, file);
      if (conditionError != null) {
        out.error(conditionError);
        outcome = Conclusion.FAILURE;
        message = conditionError;
      } else {
        StepAttempt attempt = attempt(number, step, out, jobDeadline);
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
          continueOnError = flag(step.continueOnError(), context);
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
        failed = true;
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
      run.store().stepFinished(stepId, outcome.label(), conclusion.label(), outputs, finished);
      record(step, result);
      run.listener().stepFinished(key, result);
      return result;
    }
  }

  private record StepAttempt(Conclusion outcome, String message, Map<String, String> outputs) {}

  private StepAttempt attempt(int number, Step step, StepOutput out, long jobDeadline) {
    // The files are not created up front: a step appends with >>, which creates them, and a file
    // that is missing reads as empty. On slow file systems that saves milliseconds per step.
    Path files = stepFiles;
    String prefix = number + ".";
    Path outputFile = files.resolve(prefix + "output");
    Path envFile = files.resolve(prefix + "env");
    Path pathFile = files.resolve(prefix + "path");
    Path summaryFile = files.resolve(prefix + "summary");
    {
      Map<String, String> env = processEnv(step, number, outputFile, envFile, pathFile, summaryFile);
      Map<String, Object> context = stepContext(envContext(step, env));
      Duration stepTimeout;
      try {
        stepTimeout = timeout(step.timeoutMinutes(), null);
      } catch (ExpressionException e) {
        return new StepAttempt(
            Conclusion.FAILURE, step.location() + ": timeout-minutes: " + e.getMessage(), Map.of());
      }
      // After the job timed out, a step that runs anyway (if: always()) gets a budget of its own.
      long limit = timedOut ? System.nanoTime() + CLEAN_UP_BUDGET.toNanos() : jobDeadline;
      long deadline =
          stepTimeout == null ? limit : Math.min(limit, System.nanoTime() + stepTimeout.toNanos());
      boolean jobDeadlineRules = !timedOut && (stepTimeout == null || deadline == jobDeadline);
      StepAttempt attempt =
          step.run() != null
              ? runScript(step, number, out, env, context, deadline)
              : runAction(step, out, env, context, deadline);
      if (attempt.outcome == Conclusion.FAILURE && attempt.message != null
          && attempt.message.startsWith(TIMEOUT)) {
        if (jobDeadlineRules) {
          timedOut = true;
          return new StepAttempt(
              Conclusion.FAILURE,
              "the job exceeded its timeout of "
                  + minutesText(job.timeoutMinutes(), run.options().defaultJobTimeout())
                  + "; the step was stopped",
              attempt.outputs);
        }
        return new StepAttempt(
            Conclusion.FAILURE,
            "the step exceeded its timeout of " + minutesText(step.timeoutMinutes(), null),
            attempt.outputs);
      }
      Map<String, String> outputs = new LinkedHashMap<>(attempt.outputs);
      outputs.putAll(out.legacyOutputs());
      try {
        outputs.putAll(FileCommands.readPairs(outputFile, "GITHUB_OUTPUT"));
        exported.putAll(FileCommands.readPairs(envFile, "GITHUB_ENV"));
        List<String> paths = FileCommands.readPaths(pathFile);
        for (String p : paths) {
          pathPrefix.add(0, p);
        }
        appendSummary(summaryFile);
      } catch (FileCommands.FormatException e) {
        return new StepAttempt(Conclusion.FAILURE, e.getMessage(), outputs);
      }
      return new StepAttempt(attempt.outcome, attempt.message, outputs);
    }
  }

  private static final String TIMEOUT = "timeout:";

  /** What a step that runs after the job's timeout (clean-up with always()) may take. */
  private static final Duration CLEAN_UP_BUDGET = Duration.ofMinutes(5);

  private StepAttempt runScript(
      Step step,
      int number,
      StepOutput out,
      Map<String, String> env,
      Map<String, Object> context,
      long deadline) {
    String script;
    Path workingDirectory;
    try {
      script = Expressions.interpolate(step.run(), expression(context, stepStatus()));
      workingDirectory = workingDirectory(step, context);
    } catch (ExpressionException e) {
      return new StepAttempt(
          Conclusion.FAILURE, step.location() + ": " + e.getMessage(), Map.of());
    }
    String shell = shell(step);
    Shells.Command command;
    try {
      command = Shells.command(shell, stepFiles, number + ".script", script, env.get("PATH"));
    } catch (Shells.ShellException e) {
      return new StepAttempt(
          Conclusion.FAILURE, step.location() + ": " + e.getMessage(), Map.of());
    } catch (IOException e) {
      return new StepAttempt(
          Conclusion.FAILURE, "cannot write the step's script: " + e.getMessage(), Map.of());
    }
    out.system("Run " + firstLine(script));
    // A step that starts after the cancel (if: always() or cancelled()) runs to its end: the
    // cancel it was started for must not stop it again. Its timeout still applies.
    boolean startedAfterCancel = cancelled();
    java.util.function.BooleanSupplier stopWhen = () -> !startedAfterCancel && cancelled();
    if (!Files.isDirectory(workingDirectory)) {
      return new StepAttempt(
          Conclusion.FAILURE,
          step.location()
              + ": working-directory '"
              + workspace.relativize(workingDirectory)
              + "' does not exist in the workspace; create it in an earlier step or fix the path",
          Map.of());
    }
    try {
      StepProcess.Outcome outcome =
          StepProcess.run(
              command.argv(),
              workingDirectory,
              env,
              stepFiles.resolve(number + ".stdout"),
              deadline,
              stopWhen,
              run.options().killGracePeriod(),
              leaders,
              out::processLine);
      return switch (outcome.ending()) {
        case EXITED ->
            outcome.exitCode() == 0
                ? new StepAttempt(Conclusion.SUCCESS, null, Map.of())
                : new StepAttempt(
                    Conclusion.FAILURE,
                    "Process completed with exit code " + outcome.exitCode() + ".",
                    Map.of());
        case TIMED_OUT -> new StepAttempt(Conclusion.FAILURE, TIMEOUT, Map.of());
        case CANCELLED -> new StepAttempt(Conclusion.CANCELLED, "the step was cancelled", Map.of());
      };
    } catch (IOException e) {
      return new StepAttempt(
          Conclusion.FAILURE,
          step.location() + ": cannot start shell '" + shell + "': " + e.getMessage(),
          Map.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new StepAttempt(Conclusion.CANCELLED, "the step was interrupted", Map.of());
    }
  }

  private StepAttempt runAction(
      Step step,
      StepOutput out,
      Map<String, String> env,
      Map<String, Object> context,
      long deadline) {
    Action action = run.actions().resolve(step.uses()).orElse(null);
    if (action == null) {
      return new StepAttempt(
          Conclusion.FAILURE,
          step.location() + ": " + run.actions().problemWith(step.uses()),
          Map.of());
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    action.inputs().forEach((k, v) -> {
      if (v != null) {
        inputs.put(k, v);
      }
    });
    ExpressionContext expressions = expression(context, stepStatus());
    try {
      for (Map.Entry<String, String> with : step.with().entrySet()) {
        inputs.put(with.getKey(), Expressions.interpolate(with.getValue(), expressions));
      }
    } catch (ExpressionException e) {
      return new StepAttempt(
          Conclusion.FAILURE, step.location() + ": with: " + e.getMessage(), Map.of());
    }
    for (String required : action.requiredInputs()) {
      if (inputs.getOrDefault(required, "").isEmpty()) {
        return new StepAttempt(
            Conclusion.FAILURE,
            step.location() + ": " + step.uses() + " needs the input '" + required + "'",
            Map.of());
      }
    }
    out.system("Run " + step.uses());
    boolean startedAfterCancel = cancelled();
    Map<String, String> outputs = new LinkedHashMap<>();
    ActionContext actionContext =
        new ActionContext() {
          @Override
          public Map<String, String> inputs() {
            return inputs;
          }

          @Override
          public Map<String, String> env() {
            return env;
          }

          @Override
          public Path workspace() {
            return workspace;
          }

          @Override
          public Path sourceDirectory() {
            return run.request().sourceDirectory();
          }

          @Override
          public io.gantry.runner.git.RemoteRepository remote() {
            return run.request().remote();
          }

          @Override
          public String sha() {
            return run.request().sha();
          }

          @Override
          public String ref() {
            return run.request().ref();
          }

          @Override
          public void log(String line) {
            out.processLine(line);
          }

          @Override
          public void setOutput(String name, String value) {
            outputs.put(name, value);
          }

          @Override
          public void addMask(String value) {
            run.masker().add(value);
          }

          @Override
          public void exportVariable(String name, String value) {
            exported.put(name, value);
          }

          @Override
          public void addPath(String path) {
            pathPrefix.add(0, path);
          }

          @Override
          public Path cacheDirectory(String name) {
            Path dir = run.options().dataDir().resolve("cache").resolve(name);
            try {
              java.nio.file.Files.createDirectories(dir);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            return dir;
          }

          @Override
          public io.gantry.runner.action.RegistryLogins registryLogins() {
            return registryLogins;
          }

          @Override
          public long runId() {
            return run.runId();
          }

          @Override
          public String actor() {
            return run.request().actor();
          }

          @Override
          public io.gantry.runner.store.DeployHistory deployHistory() {
            return run.store().deployHistory();
          }

          @Override
          public io.gantry.runner.action.JobDeploys jobDeploys() {
            return jobDeploys;
          }

          @Override
          public String mask(String text) {
            return run.masker().mask(text);
          }

          @Override
          public boolean cancelled() {
            return (!startedAfterCancel && JobExecution.this.cancelled())
                || System.nanoTime() - deadline >= 0;
          }
        };
    try {
      ActionResult result = action.run(actionContext);
      if (System.nanoTime() - deadline >= 0) {
        return new StepAttempt(Conclusion.FAILURE, TIMEOUT, outputs);
      }
      if (!startedAfterCancel && cancelled()) {
        return new StepAttempt(Conclusion.CANCELLED, "the step was cancelled", outputs);
      }
      return result.succeeded()
          ? new StepAttempt(Conclusion.SUCCESS, null, outputs)
          : new StepAttempt(Conclusion.FAILURE, result.message(), outputs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new StepAttempt(Conclusion.CANCELLED, "the step was interrupted", outputs);
    } catch (Exception e) {
      return new StepAttempt(
          Conclusion.FAILURE,
          step.uses() + " failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()),
          outputs);
    }
  }

  private void record(Step step, StepResult result) {
    if (step.id() == null) {
      return;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("outputs", new LinkedHashMap<String, Object>(result.outputs()));
    entry.put("outcome", result.outcome().label());
    entry.put("conclusion", result.conclusion().label());
    stepsContext.put(step.id(), entry);
  }

  private Map<String, String> evaluateOutputs(StepOutput setup) {
    Map<String, String> outputs = new LinkedHashMap<>();
    Map<String, Object> context = stepContext(envContext(null, null));
    ExpressionContext expressions = expression(context, stepStatus());
    for (Map.Entry<String, String> output : job.outputs().entrySet()) {
      try {
        String value = Expressions.interpolate(output.getValue(), expressions);
        if (!run.masker().mask(value).equals(value)) {
          setup.warning(
              "Skipped job output '"
                  + output.getKey()
                  + "' because it may contain a secret");
          continue;
        }
        outputs.put(output.getKey(), value);
      } catch (ExpressionException e) {
        setup.error(job.location() + ": outputs." + output.getKey() + ": " + e.getMessage());
        failed = true;
      }
    }
    return outputs;
  }

  private void cleanUp() {
    List<ProcessHandle> started;
    synchronized (leaders) {
      started = List.copyOf(leaders);
      leaders.clear();
    }
    ProcessGroups.signal(started, "KILL");
  }

  private boolean cancelled() {
    return run.cancelled().get() || stopped.get();
  }

  private ExpressionContext.JobStatus stepStatus() {
    boolean isFailed = failed || timedOut;
    boolean isCancelled = cancelled() || timedOut;
    return new ExpressionContext.JobStatus() {
      @Override
      public boolean success() {
        return !isFailed && !isCancelled;
      }

      @Override
      public boolean failure() {
        return isFailed;
      }

      @Override
      public boolean cancelled() {
        return isCancelled;
      }
    };
  }

  private String skipReason() {
    if (timedOut) {
      return "skipped: the job timed out";
    }
    if (cancelled()) {
      return "skipped: the run was cancelled";
    }
    if (failed) {
      return "skipped: an earlier step failed";
    }
    return "skipped: if: condition is false";
  }

  private ExpressionContext expression(
      Map<String, Object> contexts, ExpressionContext.JobStatus status) {
    return new ExpressionContext(contexts, status, workspace);
  }

  /** Contexts for the job's own keys (env, timeout, continue-on-error, name). */
  private ExpressionContext jobContext(Map<String, String> env) {
    Map<String, Object> contexts = baseContexts();
    contexts.put("env", new LinkedHashMap<String, Object>(env));
    return expression(contexts, ExpressionContext.JobStatus.SUCCEEDING);
  }

  private Map<String, Object> baseContexts() {
    Map<String, Object> contexts = new HashMap<>();
    Map<String, Object> github = new LinkedHashMap<>(run.github());
    github.put("job", job.id());
    github.put("workspace", workspace.toString());
    contexts.put("github", github);
    contexts.put("vars", new LinkedHashMap<String, Object>(run.request().vars()));
    contexts.put("secrets", new LinkedHashMap<String, Object>(run.request().secrets()));
    contexts.put("inputs", Contexts.inputs(run.request()));
    contexts.put("matrix", matrix);
    contexts.put("strategy", strategy);
    contexts.put("needs", needs);
    contexts.put("runner", Contexts.runner(run.runnerTemp()));
    return contexts;
  }

  private Map<String, Object> stepContext(Map<String, String> env) {
    Map<String, Object> contexts = baseContexts();
    contexts.put("env", new LinkedHashMap<String, Object>(env));
    contexts.put("steps", stepsContext);
    Map<String, Object> jobContext = new LinkedHashMap<>();
    jobContext.put("status", failed || timedOut ? "failure" : cancelled() ? "cancelled" : "success");
    jobContext.put("container", new LinkedHashMap<String, Object>());
    jobContext.put("services", new LinkedHashMap<String, Object>());
    contexts.put("job", jobContext);
    return contexts;
  }

  /**
   * The {@code env} context of a step: workflow, job, exported ({@code $GITHUB_ENV}) and the
   * step's own {@code env}, later layers winning. When {@code processEnv} is given, the step's
   * own env is taken from it (already evaluated).
   */
  private Map<String, String> envContext(Step step, Map<String, String> processEnv) {
    Map<String, String> env = new LinkedHashMap<>(workflowEnv);
    env.putAll(jobEnv);
    env.putAll(exported);
    if (step != null && processEnv != null) {
      for (String name : step.env().keySet()) {
        env.put(name, processEnv.get(name));
      }
    }
    return env;
  }

  private Map<String, String> processEnv(
      Step step, int number, Path output, Path envFile, Path pathFile, Path summary) {
    Map<String, String> env = new LinkedHashMap<>(run.baseEnv());
    env.putAll(envContext(null, null));
    env.put("GITHUB_JOB", job.id());
    env.put("GITHUB_WORKSPACE", workspace.toString());
    env.put("GITHUB_ACTION", step.id() != null ? step.id() : "__run_" + number);
    env.put("GITHUB_OUTPUT", output.toString());
    env.put("GITHUB_ENV", envFile.toString());
    env.put("GITHUB_PATH", pathFile.toString());
    env.put("GITHUB_STEP_SUMMARY", summary.toString());
    if (!pathPrefix.isEmpty()) {
      env.put("PATH", String.join(":", pathPrefix) + ":" + env.getOrDefault("PATH", ""));
    }
    Map<String, Object> context = stepContext(envContext(null, null));
    ExpressionContext expressions = expression(context, stepStatus());
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

  private Map<String, String> evaluateEnv(
      Map<String, String> templates, ExpressionContext context)
      throws ExpressionException {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : templates.entrySet()) {
      try {
        env.put(e.getKey(), Expressions.interpolate(e.getValue(), context));
      } catch (ExpressionException ex) {
        throw new ExpressionException("env." + e.getKey() + ": " + ex.getMessage(), ex.offset());
      }
    }
    return env;
  }

  private String stepName(Step step, Map<String, Object> context) {
    if (step.name() != null) {
      try {
        return Expressions.interpolate(step.name(), expression(context, stepStatus()));
      } catch (ExpressionException e) {
        return step.name();
      }
    }
    if (step.uses() != null) {
      return "Run " + step.uses();
    }
    return "Run " + firstLine(step.run());
  }

  private Path workingDirectory(Step step, Map<String, Object> context)
      throws ExpressionException {
    RunDefaults defaults = job.defaults().orElse(run.request().workflow().defaults());
    String dir = step.workingDirectory() != null ? step.workingDirectory() : defaults.workingDirectory();
    if (dir == null || dir.isBlank()) {
      return workspace;
    }
    String resolved = Expressions.interpolate(dir, expression(context, stepStatus()));
    return workspace.resolve(resolved).normalize();
  }

  private String shell(Step step) {
    if (step.shell() != null) {
      return step.shell();
    }
    RunDefaults defaults = job.defaults().orElse(run.request().workflow().defaults());
    return defaults.shell() != null ? defaults.shell() : "bash";
  }

  private Duration timeout(String minutes, Duration fallback) throws ExpressionException {
    if (minutes == null || minutes.isBlank()) {
      return fallback;
    }
    Object value = Expressions.evaluateTemplate(minutes, jobContext(workflowEnv));
    double number;
    try {
      number = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw new ExpressionException("timeout-minutes must be a number, got '" + value + "'", 0);
    }
    if (!(number > 0)) {
      throw new ExpressionException("timeout-minutes must be above 0, got " + value, 0);
    }
    return Duration.ofMillis(Math.round(number * 60_000));
  }

  private String minutesText(String minutes, Duration fallback) {
    try {
      Duration d = timeout(minutes, fallback);
      if (d == null) {
        return "?";
      }
      return d.toMillis() % 60_000 == 0
          ? d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes")
          : (d.toMillis() / 1000.0) + " seconds";
    } catch (ExpressionException e) {
      return minutes;
    }
  }

  private boolean flag(String text, Map<String, Object> context) throws ExpressionException {
    return flag(text, expression(context, stepStatus()));
  }

  private static boolean flag(String text, ExpressionContext context) throws ExpressionException {
    if (text == null || text.isBlank()) {
      return false;
    }
    Object value = Expressions.evaluateTemplate(text, context);
    if (value instanceof String s) {
      return s.strip().equalsIgnoreCase("true");
    }
    return Expressions.truthy(value);
  }

  private void appendSummary(Path summary) throws FileCommands.FormatException {
    try {
      if (!Files.exists(summary) || Files.size(summary) == 0) {
        return;
      }
      Path target = run.logs().stepLog(run.runId(), key, 0).resolveSibling("summary.md");
      Files.createDirectories(target.getParent());
      Files.writeString(
          target,
          run.masker().mask(Files.readString(summary, StandardCharsets.UTF_8)) + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new FileCommands.FormatException("cannot read $GITHUB_STEP_SUMMARY: " + e.getMessage());
    }
  }

  private static String firstFailure(List<StepResult> results) {
    for (StepResult r : results) {
      if (r.conclusion() == Conclusion.FAILURE) {
        return "step '" + r.name() + "' failed" + (r.message() != null ? ": " + r.message() : "");
      }
    }
    return null;
  }

  private static String firstLine(String text) {
    String trimmed = text.strip();
    int nl = trimmed.indexOf('\n');
    String line = nl < 0 ? trimmed : trimmed.substring(0, nl) + " …";
    return line.length() > 80 ? line.substring(0, 80) + "…" : line;
  }

  static String uniqueName() {
    return UUID.randomUUID().toString();
  }
}
