package io.gantry.runner.execution;

import io.gantry.runner.action.node.ActionInputs;
import io.gantry.runner.action.node.NodeActionException;
import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.command.FileCommands;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a composite action inside a step, as GitHub's runner does it: the steps see their own
 * {@code inputs} (the step's {@code with:} plus the action's defaults) and their own {@code steps}
 * context, {@code github.action_path} and {@code GITHUB_ACTION_PATH} name the action's folder, and
 * {@code secrets} is not available. Each step has its {@code if:} (default {@code success()} over
 * the composite's own steps), {@code env}, {@code shell}, {@code working-directory}, {@code
 * continue-on-error} and {@code timeout-minutes}; its file commands are read after it (outputs into
 * {@code steps.ID.outputs}, {@code $GITHUB_ENV} and {@code $GITHUB_PATH} for the later steps and
 * the rest of the job). Each step's lines go to the calling step's log inside a group. The action's
 * {@code outputs} are evaluated at the end and become the calling step's outputs.
 */
final class CompositeRun {

  private final NestedStepCall call;
  private final FetchedAction action;
  private final List<Step> steps;
  private final List<String> chain;
  private final JobScope scope;
  private final Map<String, Object> stepsContext = new LinkedHashMap<>();
  private final Map<String, String> exported = new LinkedHashMap<>();
  private final List<String> paths = new ArrayList<>();
  private Map<String, Object> inputs = Map.of();
  private boolean failed;

  CompositeRun(NestedStepCall call, FetchedAction action, List<Step> steps, List<String> chain) {
    this.call = call;
    this.action = action;
    this.steps = steps;
    this.chain = chain;
    this.scope = call.scope();
  }

  StepEnding run() throws InterruptedException {
    String uses = call.step().uses().strip();
    call.system("Run " + uses + " (composite, " + steps.size() + " steps)");
    Path files;
    try {
      ActionInputs resolved =
          ActionInputs.resolve(
              action.manifest(), call.with(), expression(contexts(envContext(Map.of()))));
      resolved.warnings().forEach(w -> call.log("::warning::" + w));
      inputs = new LinkedHashMap<String, Object>(resolved.values());
      files = Files.createDirectories(call.stepFiles().resolve(call.number() + ".composite"));
    } catch (NodeActionException e) {
      return StepEnding.failed(call.step().location() + ": " + e.getMessage());
    } catch (IOException e) {
      return StepEnding.failed("cannot run " + uses + ": " + e.getMessage());
    }
    String failure = null;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      StepEnding ending = runStep(i + 1, step, files);
      if (ending instanceof StepEnding.TimedOut || ending instanceof StepEnding.Cancelled) {
        return ending;
      }
      if (ending instanceof StepEnding.Failed f && failure == null) {
        failure = f.reason();
      }
    }
    Map<String, Object> contexts = contexts(envContext(Map.of()));
    for (Map.Entry<String, ActionManifest.Output> output : action.manifest().outputs().entrySet()) {
      String value = output.getValue().value();
      if (value == null) {
        continue;
      }
      try {
        call.setOutput(output.getKey(), Expressions.interpolate(value, expression(contexts)));
      } catch (ExpressionException e) {
        return StepEnding.failed(
            action.manifest().file() + ": outputs." + output.getKey() + ": " + e.getMessage());
      }
    }
    return failure == null ? StepEnding.succeeded() : StepEnding.failed(failure);
  }

  /** One step; a failure is also recorded in {@link #failed} for the later steps' success(). */
  private StepEnding runStep(int number, Step step, Path files) throws InterruptedException {
    Map<String, String> envContext = envContext(Map.of());
    ExpressionContext before = expression(contexts(envContext));
    String name = StepFields.name(step, before);
    String where = "composite step " + number + " '" + name + "' of " + action.reference();
    boolean runIt;
    try {
      runIt = Expressions.condition(step.condition(), before);
    } catch (ExpressionException e) {
      return record(step, fail(where, step.location() + ": if: " + e.getMessage()));
    }
    if (!runIt) {
      record(step, Conclusion.SKIPPED, Conclusion.SKIPPED, Map.of());
      return StepEnding.succeeded();
    }
    Map<String, String> stepEnv;
    try {
      stepEnv = scope.evaluateEnv(step.env(), before);
    } catch (ExpressionException e) {
      return record(step, fail(where, step.location() + ": " + e.getMessage()));
    }
    envContext = envContext(stepEnv);
    ExpressionContext context = expression(contexts(envContext));
    String prefix = number + ".";
    Path outputFile = files.resolve(prefix + "output");
    Path envFile = files.resolve(prefix + "env");
    Path pathFile = files.resolve(prefix + "path");
    Map<String, String> env = new LinkedHashMap<>(call.env());
    env.putAll(exported);
    env.put("GITHUB_ACTION_PATH", action.directory().toString());
    env.put("GITHUB_OUTPUT", outputFile.toString());
    env.put("GITHUB_ENV", envFile.toString());
    env.put("GITHUB_PATH", pathFile.toString());
    if (!paths.isEmpty()) {
      env.put("PATH", String.join(":", paths) + ":" + env.getOrDefault("PATH", ""));
    }
    env.putAll(stepEnv);
    StepFields fields;
    long deadline;
    try {
      fields = fields(step, context);
      Duration timeout = scope.timeout(step.timeoutMinutes(), null);
      deadline =
          timeout == null
              ? call.deadline()
              : Math.min(call.deadline(), System.nanoTime() + timeout.toNanos());
    } catch (ExpressionException e) {
      return record(step, fail(where, step.location() + ": " + e.getMessage()));
    }
    CompositeStepCall inner =
        new CompositeStepCall(
            call,
            step,
            number,
            name,
            env,
            envContext,
            fields,
            files,
            deadline,
            chain,
            this::export,
            this::addPath);
    call.log("::group::" + name);
    StepEnding ending;
    try {
      ending = runWith(inner);
    } finally {
      call.log("::endgroup::");
    }
    Map<String, String> outputs = new LinkedHashMap<>(inner.outputs);
    try {
      outputs.putAll(FileCommands.readPairs(outputFile, "GITHUB_OUTPUT"));
      FileCommands.readPairs(envFile, "GITHUB_ENV").forEach(this::export);
      FileCommands.readPaths(pathFile).forEach(this::addPath);
    } catch (FileCommands.FormatException e) {
      ending = StepEnding.failed(e.getMessage());
    }
    if (ending instanceof StepEnding.TimedOut && System.nanoTime() < call.deadline()) {
      ending =
          StepEnding.failed(
              "the step exceeded its timeout of " + scope.minutesText(step.timeoutMinutes(), null));
    }
    if (ending instanceof StepEnding.Failed f) {
      boolean continueOnError;
      try {
        continueOnError = JobScope.flag(step.continueOnError(), context);
      } catch (ExpressionException e) {
        continueOnError = false;
      }
      String reason = where + " failed" + (f.reason() != null ? ": " + f.reason() : "");
      call.log("::error::" + reason);
      if (continueOnError) {
        record(step, Conclusion.FAILURE, Conclusion.SUCCESS, outputs);
        return StepEnding.succeeded();
      }
      failed = true;
      record(step, Conclusion.FAILURE, Conclusion.FAILURE, outputs);
      return StepEnding.failed(reason);
    }
    Conclusion outcome =
        ending instanceof StepEnding.Succeeded ? Conclusion.SUCCESS : Conclusion.CANCELLED;
    record(step, outcome, outcome, outputs);
    return ending;
  }

  private StepEnding runWith(CompositeStepCall inner) {
    StepRunner runner = StepRunners.select(call.runners(), inner);
    Step step = inner.step();
    if (runner == null) {
      return StepEnding.failed(
          step.location()
              + ": "
              + (step.uses() != null
                  ? scope.run.actions().problemWith(step.uses())
                  : "no step runner runs this step"));
    }
    try {
      return runner.run(inner);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepEnding.cancelled("the step was interrupted");
    } catch (Exception e) {
      return StepEnding.failed(
          (step.uses() != null ? step.uses() : "the step")
              + " failed: "
              + (e.getMessage() != null ? e.getMessage() : e.toString()));
    }
  }

  private StepFields fields(Step step, ExpressionContext context) throws ExpressionException {
    Path workspace = call.workspace();
    if (step.run() != null) {
      Path dir =
          step.workingDirectory() == null || step.workingDirectory().isBlank()
              ? workspace
              : workspace
                  .resolve(Expressions.interpolate(step.workingDirectory(), context))
                  .normalize();
      return new StepFields(
          Expressions.interpolate(step.run(), context), dir, step.shell(), Map.of());
    }
    Map<String, String> with = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : step.with().entrySet()) {
      try {
        with.put(entry.getKey(), Expressions.interpolate(entry.getValue(), context));
      } catch (ExpressionException e) {
        throw new ExpressionException("with." + entry.getKey() + ": " + e.getMessage(), 0);
      }
    }
    return new StepFields(null, workspace, step.shell() != null ? step.shell() : "bash", with);
  }

  private StepEnding fail(String where, String message) {
    failed = true;
    String reason = where + " failed: " + message;
    call.log("::error::" + reason);
    return StepEnding.failed(reason);
  }

  private StepEnding record(Step step, StepEnding ending) {
    record(step, Conclusion.FAILURE, Conclusion.FAILURE, Map.of());
    return ending;
  }

  private void record(
      Step step, Conclusion outcome, Conclusion conclusion, Map<String, String> outputs) {
    if (step.id() == null) {
      return;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("outputs", new LinkedHashMap<String, Object>(outputs));
    entry.put("outcome", outcome.label());
    entry.put("conclusion", conclusion.label());
    stepsContext.put(step.id(), entry);
  }

  private void export(String name, String value) {
    exported.put(name, value);
    call.exportVariable(name, value);
  }

  private void addPath(String path) {
    paths.add(0, path);
    call.addPath(path);
  }

  /** The calling step's env context, what earlier composite steps exported, then {@code extra}. */
  private Map<String, String> envContext(Map<String, String> extra) {
    Map<String, String> env = new LinkedHashMap<>(call.envContext());
    env.putAll(exported);
    env.putAll(extra);
    return env;
  }

  private Map<String, Object> contexts(Map<String, String> env) {
    Map<String, Object> contexts = new LinkedHashMap<>(scope.stepContext(env));
    Map<String, Object> github = new LinkedHashMap<>(asMap(contexts.get("github")));
    github.put("action_path", action.directory().toString());
    if (action.commit() != null) {
      github.put("action_repository", action.reference().repository());
      github.put("action_ref", action.reference().ref());
    }
    contexts.put("github", github);
    contexts.put("steps", stepsContext);
    contexts.put("inputs", inputs);
    contexts.remove("secrets");
    return contexts;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private ExpressionContext expression(Map<String, Object> contexts) {
    boolean jobFailed = scope.failed || scope.timedOut;
    boolean stop = call.stopRequested();
    boolean isFailed = failed || jobFailed;
    return new ExpressionContext(
        contexts,
        new ExpressionContext.JobStatus() {
          @Override
          public boolean success() {
            return !isFailed && !stop;
          }

          @Override
          public boolean failure() {
            return isFailed;
          }

          @Override
          public boolean cancelled() {
            return stop;
          }
        },
        call.workspace());
  }
}
