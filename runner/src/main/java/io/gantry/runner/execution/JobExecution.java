package io.gantry.runner.execution;

import io.gantry.runner.container.ContainerException;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.files.PrivateFiles;
import io.gantry.runner.log.LogStore.StepLogFile;
import io.gantry.runner.workflow.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the steps of one job instance, in order, on the calling thread, and concludes it: the job's
 * set-up ({@code env}, {@code timeout-minutes}, {@code continue-on-error}), each step through the
 * {@link StepLoop}, the job's {@code outputs}, and the clean-up.
 *
 * <p>A step that fails is a value ({@link StepResult}), never an exception: the job goes on to
 * evaluate the {@code if:} of the later steps with {@code failure()} true. Whatever the job started
 * is killed when it ends (GitHub's "cleaning up orphan processes"), exactly once.
 */
final class JobExecution implements JobInstance {

  private final JobScope scope;
  private final StepLoop steps;

  /** The concurrency group the job holds while it runs, or null. */
  private String group;

  private JobGroups.Member member;

  JobExecution(
      RunContext run,
      Job job,
      String key,
      String name,
      Map<String, Object> matrix,
      Map<String, Object> strategy,
      Map<String, Object> needs,
      Map<String, String> workflowEnv,
      AtomicBoolean stopped) {
    this.scope = new JobScope(run, job, key, name, matrix, strategy, needs, workflowEnv, stopped);
    this.steps = new StepLoop(scope, run.stepRunners());
  }

  @Override
  public String key() {
    return scope.key;
  }

  @Override
  public String name() {
    return scope.name;
  }

  @Override
  public JobResult call() {
    RunContext run = scope.run;
    Job job = scope.job;
    Instant started = Instant.now();
    run.listener().jobStarted(scope.key, scope.name);
    List<StepResult> results = new ArrayList<>();
    Map<String, String> outputs = new LinkedHashMap<>();
    String message = null;
    JobServices.Lease lease = JobServices.Lease.EMPTY;
    try (StepLogFile setupLog = run.logs().open(run.runId(), scope.key, 0)) {
      Files.createDirectories(scope.workspace);
      PrivateFiles.createDirectories(scope.stepFiles);
      StepOutput setup = new StepOutput(run, scope.key, scope.name, "Set up job", setupLog);
      setup.system("Job '" + scope.name + "' (" + job.location() + ")");
      if (!scope.matrix.isEmpty()) {
        setup.system("Matrix: " + Expressions.stringify(scope.matrix).replaceAll("\\s+", " "));
      }
      if (job.environment() != null) {
        setup.system("Environment: " + job.environment());
      }
      String otherOs = otherOperatingSystem();
      if (otherOs != null) {
        String why = "skipped: runs-on asks for " + otherOs + "; this runner is Linux";
        setup.system(why);
        setup.flush();
        return finish(started, Conclusion.SKIPPED, outputs, results, why, false);
      }
      long deadline;
      boolean continueOnError;
      try {
        scope.jobEnv = scope.evaluateEnv(job.env(), scope.jobContext(scope.workflowEnv));
        deadline =
            System.nanoTime()
                + scope.timeout(job.timeoutMinutes(), run.options().defaultJobTimeout()).toNanos();
        continueOnError = JobScope.flag(job.continueOnError(), scope.jobContext(scope.workflowEnv));
      } catch (ExpressionException e) {
        setup.error(job.location() + ": " + e.getMessage());
        return finish(started, Conclusion.FAILURE, outputs, results, e.getMessage(), false);
      }
      setup.flush();
      if (!enterGroup(setup)) {
        String why =
            member != null && member.superseded
                ? "cancelled: a newer job of its concurrency group is waiting"
                : "cancelled";
        setup.system("Not run: " + why);
        setup.flush();
        return finish(started, Conclusion.CANCELLED, outputs, results, why, false);
      }
      if (JobContainerStart.needed(job, run.request().isolation())) {
        try {
          scope.containers = JobContainerStart.start(scope, deadline, setup);
        } catch (ContainerException e) {
          setup.error(e.getMessage());
          setup.flush();
          Conclusion c = scope.cancelled() ? Conclusion.CANCELLED : Conclusion.FAILURE;
          return finish(started, c, outputs, results, e.getMessage(), continueOnError);
        }
        setup.flush();
      }
      try {
        lease = run.jobServices().open(services());
        scope.servicesEnv = Map.copyOf(lease.environment());
        scope.servicesEnv.forEach(
            (name, value) -> {
              if (name.startsWith("ACTIONS_") && name.endsWith("TOKEN")) {
                run.masker().add(value);
              }
            });
      } catch (Exception e) {
        String why = "cannot open the job's services: " + e.getMessage();
        setup.error(why);
        setup.flush();
        return finish(started, Conclusion.FAILURE, outputs, results, why, false);
      }
      String preFailure = PreSteps.runAll(scope, steps, run.stepRunners(), setup, deadline);
      for (int i = 0; i < job.steps().size(); i++) {
        StepResult result = steps.runStep(i + 1, job.steps().get(i), deadline);
        results.add(result);
        if (scope.timedOut && message == null) {
          message = "the job exceeded its timeout of " + scope.jobTimeoutText();
        }
      }
      results.addAll(PostSteps.runAll(scope, job.steps().size() + 1, deadline));
      Conclusion conclusion;
      if (scope.timedOut) {
        conclusion = Conclusion.FAILURE;
      } else if (scope.cancelled()) {
        conclusion = Conclusion.CANCELLED;
        message = "cancelled";
      } else if (scope.failed) {
        conclusion = Conclusion.FAILURE;
        message = firstFailure(results);
        if (message == null) {
          message = preFailure;
        }
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
          "cannot create the workspace " + scope.workspace + ": " + e.getMessage(),
          false);
    } finally {
      scope.posts.clear();
      closeQuietly(lease);
      scope.killProcesses();
      if (scope.containers != null) {
        // "Stop containers": services and the job container go, however the job ended
        scope.containers.close();
      }
      if (group != null) {
        run.jobGroups().leave(run.request().repository(), group, member);
      }
    }
  }

  /**
   * Waits for the job's {@code concurrency:} group, when it has one (see {@link JobGroups}); false
   * when the job must not run. The group is held from here until the job ends.
   */
  private boolean enterGroup(StepOutput setup) {
    Job job = scope.job;
    if (job.concurrency() == null) {
      return true;
    }
    RunContext run = scope.run;
    String name;
    boolean cancelInProgress;
    try {
      ExpressionContext context = scope.jobContext(scope.workflowEnv);
      name = Expressions.interpolate(job.concurrency().group(), context);
      cancelInProgress = JobScope.flag(job.concurrency().cancelInProgress(), context);
    } catch (ExpressionException e) {
      // As the workflow-level group: a group that does not evaluate is taken as written.
      name = job.concurrency().group();
      cancelInProgress = false;
    }
    if (name == null || name.isBlank()) {
      return true;
    }
    member =
        new JobGroups.Member(
            "job '" + scope.name + "' of run " + run.runId(), scope.cancelledByGroup);
    String shown = name;
    try {
      boolean entered =
          run.jobGroups()
              .enter(
                  run.request().repository(),
                  name,
                  cancelInProgress,
                  member,
                  () -> run.cancelled().get() || scope.stopped.get(),
                  holder ->
                      setup.system(
                          "Waiting for " + holder + " in concurrency group '" + shown + "'"));
      if (entered) {
        group = name;
      }
      return entered;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private JobResult finish(
      Instant started,
      Conclusion conclusion,
      Map<String, String> outputs,
      List<StepResult> steps,
      String message,
      boolean continueOnError) {
    return new JobResult(
        scope.key,
        scope.job.id(),
        scope.name,
        scope.matrix,
        conclusion,
        outputs,
        List.copyOf(steps),
        Duration.between(started, Instant.now()),
        message,
        continueOnError && conclusion == Conclusion.FAILURE);
  }

  private Map<String, String> evaluateOutputs(StepOutput setup) {
    Map<String, String> outputs = new LinkedHashMap<>();
    ExpressionContext expressions =
        scope.expression(scope.stepContext(scope.envContext(null, null)));
    for (Map.Entry<String, String> output : scope.job.outputs().entrySet()) {
      try {
        String value = Expressions.interpolate(output.getValue(), expressions);
        if (!scope.run.masker().mask(value).equals(value)) {
          setup.warning(
              "Skipped job output '" + output.getKey() + "' because it may contain a secret");
          continue;
        }
        outputs.put(output.getKey(), value);
      } catch (ExpressionException e) {
        setup.error(scope.job.location() + ": outputs." + output.getKey() + ": " + e.getMessage());
        scope.failed = true;
      }
    }
    return outputs;
  }

  /**
   * Windows or macOS when the job's {@code runs-on} (evaluated, e.g. {@code ${{ matrix.os }}}) asks
   * for one: such a job is skipped with that reason instead of running on Linux. Null otherwise.
   */
  private String otherOperatingSystem() {
    String runsOn = scope.job.runsOn();
    if (runsOn == null) {
      return null;
    }
    String labels;
    try {
      labels = Expressions.interpolate(runsOn, scope.jobContext(scope.workflowEnv));
    } catch (ExpressionException e) {
      labels = runsOn;
    }
    String lower = labels.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("windows")) {
      return "Windows (" + labels.strip() + ")";
    }
    if (lower.contains("macos") || lower.contains("mac-os") || lower.contains("osx")) {
      return "macOS (" + labels.strip() + ")";
    }
    return null;
  }

  /** The job as its services see it: the repository, the run's ref and the default branch. */
  private JobServices.Job services() {
    RunContext run = scope.run;
    Object defaultBranch = null;
    if (run.request().eventPayload().get("repository") instanceof Map<?, ?> repository) {
      defaultBranch = repository.get("default_branch");
    }
    return new JobServices.Job(
        run.request().repository(),
        run.request().ref(),
        defaultBranch == null ? null : defaultBranch.toString(),
        run.runId(),
        scope.key);
  }

  private static void closeQuietly(JobServices.Lease lease) {
    try {
      lease.close();
    } catch (Exception e) {
      // The lease's holder logs its own failures; the job's conclusion stands.
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
}
