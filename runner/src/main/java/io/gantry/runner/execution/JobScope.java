package io.gantry.runner.execution;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.container.JobContainers;
import io.gantry.runner.container.JobDocker;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.Job;
import io.gantry.runner.workflow.RunDefaults;
import io.gantry.runner.workflow.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One job instance's state as its steps see it: the expression contexts ({@code github}, {@code
 * env}, {@code steps}, {@code job}, …), what earlier steps exported and added to {@code PATH}, and
 * whether the job has failed, timed out or been cancelled. Used on the job's thread only (but for
 * the list of started processes, which is guarded).
 */
final class JobScope {

  final RunContext run;
  final Job job;
  final String key;
  final String name;
  final Map<String, Object> matrix;
  final Map<String, Object> strategy;
  final Map<String, Object> needs;
  final Map<String, String> workflowEnv;
  final AtomicBoolean stopped;

  /** Set when the job's concurrency group cancels it (cancel-in-progress, or a newer waiter). */
  final AtomicBoolean cancelledByGroup = new AtomicBoolean();

  final Path workspace;

  /** Scripts and the files steps talk back through, named by step number. */
  final Path stepFiles;

  final Map<String, Object> stepsContext = new LinkedHashMap<>();
  final Map<String, String> exported = new LinkedHashMap<>();

  /** The job's {@code docker} command and configuration, or null when the host has no Podman. */
  final JobDocker docker;

  final RegistryLogins registryLogins;
  final JobDeploys jobDeploys = new JobDeploys();
  final List<String> pathPrefix = new ArrayList<>();

  /** Guarded by itself: a runner may start processes from a thread of its own. */
  final List<ProcessHandle> leaders = new ArrayList<>();

  /** Whether a step was given the job's marker (see {@link #marker}). */
  private volatile boolean markerHandedOut;

  Map<String, String> jobEnv = Map.of();

  /** The job's service and job containers while it runs, or null when it has none. */
  JobContainers containers;

  /** What the job's {@link JobServices} lease gives {@code uses:} steps. */
  Map<String, String> servicesEnv = Map.of();

  /** What each step's action's {@code pre} saved at the job's set-up, by step number. */
  final Map<Integer, Map<String, String>> preStates = new java.util.HashMap<>();

  /** Post steps registered by the steps that ran, the last registered first to run. */
  final java.util.Deque<PostSteps.Post> posts = new java.util.ArrayDeque<>();

  boolean failed;
  boolean timedOut;

  JobScope(
      RunContext run,
      Job job,
      String key,
      String name,
      Map<String, Object> matrix,
      Map<String, Object> strategy,
      Map<String, Object> needs,
      Map<String, String> workflowEnv,
      AtomicBoolean stopped) {
    this.run = run;
    this.job = job;
    this.key = key;
    this.name = name;
    this.matrix = matrix;
    this.strategy = strategy;
    this.needs = needs;
    this.workflowEnv = workflowEnv;
    this.stopped = stopped;
    this.workspace = run.workspaceOf(key);
    this.stepFiles = run.runnerTemp().resolve("_steps").resolve(key);
    this.docker =
        JobDocker.forJob(run.runnerTemp().resolve("_docker").resolve(key), run.options().dataDir());
    JobDocker d = docker;
    this.registryLogins =
        new RegistryLogins(
            d == null
                ? null
                : (host, login, plainHttp) ->
                    d.login(host, login.username(), login.password(), plainHttp));
  }

  /** The {@code docker} of the job's steps, or null when they run in a job container. */
  JobDocker hostDocker() {
    return containers != null && containers.jobContainer() != null ? null : docker;
  }

  boolean cancelled() {
    return run.cancelled().get() || stopped.get() || cancelledByGroup.get();
  }

  void processStarted(ProcessHandle leader) {
    synchronized (leaders) {
      leaders.add(leader);
    }
  }

  /** Kills every process the job started (GitHub's "cleaning up orphan processes"). */
  void killProcesses() {
    List<ProcessHandle> started;
    synchronized (leaders) {
      started = List.copyOf(leaders);
      leaders.clear();
    }
    ProcessGroups.signal(started, "KILL");
    // What left the step's process group (setsid, a daemon) still carries the job's marker. Only
    // a step's environment carries it: a job that made none (every step skipped) started nothing,
    // and is spared reading every process's environment.
    if (markerHandedOut) {
      JobMarkers.killJob(JobMarkers.marker(run.options().dataDir(), run.runId(), key));
    }
  }

  /**
   * The value of {@link JobMarkers#VARIABLE} in this job's step processes; asking for it marks the
   * job as one whose processes {@link #killProcesses} looks for.
   */
  String marker() {
    markerHandedOut = true;
    return JobMarkers.marker(run.options().dataDir(), run.runId(), key);
  }

  /** A finished step, as later steps see it in {@code steps.<id>}. */
  void record(Step step, StepResult result) {
    if (step.id() == null) {
      return;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("outputs", new LinkedHashMap<String, Object>(result.outputs()));
    entry.put("outcome", result.outcome().label());
    entry.put("conclusion", result.conclusion().label());
    stepsContext.put(step.id(), entry);
  }

  ExpressionContext.JobStatus stepStatus() {
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

  ExpressionContext expression(Map<String, Object> contexts) {
    return new ExpressionContext(contexts, stepStatus(), workspace);
  }

  /** Contexts for the job's own keys (env, timeout, continue-on-error, name). */
  ExpressionContext jobContext(Map<String, String> env) {
    Map<String, Object> contexts = baseContexts();
    contexts.put("env", new LinkedHashMap<String, Object>(env));
    return new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, workspace);
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

  /** Every context a step's fields may read, with {@code env} as given. */
  Map<String, Object> stepContext(Map<String, String> env) {
    Map<String, Object> contexts = baseContexts();
    contexts.put("env", new LinkedHashMap<String, Object>(env));
    contexts.put("steps", stepsContext);
    Map<String, Object> jobContext = new LinkedHashMap<>();
    jobContext.put(
        "status", failed || timedOut ? "failure" : cancelled() ? "cancelled" : "success");
    jobContext.put(
        "container",
        containers == null ? new LinkedHashMap<String, Object>() : containers.containerContext());
    jobContext.put(
        "services",
        containers == null ? new LinkedHashMap<String, Object>() : containers.servicesContext());
    contexts.put("job", jobContext);
    return contexts;
  }

  /**
   * The {@code env} context of a step: workflow, job, exported ({@code $GITHUB_ENV}) and the step's
   * own {@code env}, later layers winning. When {@code processEnv} is given, the step's own env is
   * taken from it (already evaluated).
   */
  Map<String, String> envContext(Step step, Map<String, String> processEnv) {
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

  /** The defaults ({@code shell}, {@code working-directory}) of the job, else the workflow's. */
  RunDefaults defaults() {
    return job.defaults().orElse(run.request().workflow().defaults());
  }

  Map<String, String> evaluateEnv(Map<String, String> templates, ExpressionContext context)
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

  Duration timeout(String minutes, Duration fallback) throws ExpressionException {
    if (minutes == null || minutes.isBlank()) {
      return fallback;
    }
    Object value = Expressions.evaluateTemplate(minutes, jobContext(workflowEnv));
    double number;
    try {
      number =
          value instanceof Number n
              ? n.doubleValue()
              : Double.parseDouble(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw new ExpressionException("timeout-minutes must be a number, got '" + value + "'", 0);
    }
    if (!(number > 0)) {
      throw new ExpressionException("timeout-minutes must be above 0, got " + value, 0);
    }
    return Duration.ofMillis(Math.round(number * 60_000));
  }

  String minutesText(String minutes, Duration fallback) {
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

  String jobTimeoutText() {
    return minutesText(job.timeoutMinutes(), run.options().defaultJobTimeout());
  }

  static boolean flag(String text, ExpressionContext context) throws ExpressionException {
    if (text == null || text.isBlank()) {
      return false;
    }
    Object value = Expressions.evaluateTemplate(text, context);
    if (value instanceof String s) {
      return s.strip().equalsIgnoreCase("true");
    }
    return Expressions.truthy(value);
  }
}
