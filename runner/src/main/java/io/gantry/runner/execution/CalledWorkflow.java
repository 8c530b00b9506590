package io.gantry.runner.execution;

import io.gantry.runner.action.remote.ActionFetchException;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.Job;
import io.gantry.runner.workflow.JobCall;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowCall;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * One instance of a job that calls a reusable workflow ({@code jobs.<id>.uses}): the called
 * workflow is read (from the caller's repository for {@code ./.github/workflows/x.yml}, fetched
 * through the action sources for {@code OWNER/REPO/.github/workflows/x.yml@REF}), its {@code
 * on.workflow_call} inputs and secrets are checked against the caller's {@code with} and {@code
 * secrets} (each problem one line naming the caller job and the input), and its jobs run as a run
 * of their own ({@link RunExecution}) whose jobs are shown as {@code caller / job}. The caller's
 * result carries the called workflow's {@code outputs}, so {@code needs.<caller>.outputs.X} reads
 * them. Runs on a thread of its own: it waits for its jobs, which take the pool's threads.
 */
final class CalledWorkflow implements JobInstance {

  private final RunContext run;
  private final ExecutorService pool;
  private final Job job;
  private final String key;
  private final String name;
  private final Map<String, Object> matrix;
  private final Map<String, Object> strategy;
  private final Map<String, Object> needs;
  private final CallChain calls;
  private List<JobResult> nested = List.of();

  CalledWorkflow(
      RunContext run,
      ExecutorService pool,
      Job job,
      String key,
      String name,
      Map<String, Object> matrix,
      Map<String, Object> strategy,
      Map<String, Object> needs,
      CallChain calls) {
    this.run = run;
    this.pool = pool;
    this.job = job;
    this.key = key;
    this.name = name;
    this.matrix = matrix;
    this.strategy = strategy;
    this.needs = needs;
    this.calls = calls;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean ownThread() {
    return true;
  }

  @Override
  public List<JobResult> nested() {
    return nested;
  }

  @Override
  public JobResult call() {
    Instant started = Instant.now();
    JobCall call = job.call();
    try {
      Callee callee = read(call);
      WorkflowCall spec = callee.workflow().call();
      ExpressionContext context = context(false);
      Map<String, String> inputs = CallInputs.of(job.id(), call, spec, callee.display(), context);
      Map<String, String> secrets = secrets(call, spec, callee.display());
      RunRequest parent = run.request();
      RunRequest request =
          new RunRequest(
              callee.workflow(),
              parent.repository(),
              parent.event(),
              parent.eventPayload(),
              parent.ref(),
              parent.sha(),
              inputs,
              secrets,
              parent.vars(),
              parent.env(),
              Set.of(),
              parent.sourceDirectory(),
              parent.remote(),
              parent.workspace(),
              parent.actor(),
              Map.of(),
              parent.isolation());
      RunContext child =
          withRequest(
              request,
              WorkflowCalls.dispatcher(
                  run.dispatcher(),
                  callee.workflow().source(),
                  callee.display(),
                  inputs,
                  call.inheritSecrets()
                      ? WorkflowCalls.inherit()
                      : WorkflowCalls.passing(call.secrets(), callerContext())));
      Map<String, String> env = WorkflowExecutor.workflowEnv(request, run.github());
      nested =
          new RunExecution(child, pool, env, key + ".", name + " / ", callee.chain()).execute();
      Conclusion conclusion = WorkflowExecutor.conclude(nested, run.cancelled().get());
      Map<String, String> outputs = outputs(spec, request, callee.display());
      String message = null;
      for (JobResult r : nested) {
        if (r.conclusion() == Conclusion.FAILURE && !r.continuedOnError() && message == null) {
          message = "job '" + r.name() + "' of " + callee.display() + " failed";
        }
      }
      return result(conclusion, outputs, started, message);
    } catch (CallChain.CallProblem e) {
      return result(Conclusion.FAILURE, Map.of(), started, call.location() + ": " + e.getMessage());
    } catch (ExpressionException e) {
      return result(
          Conclusion.FAILURE,
          Map.of(),
          started,
          call.location() + ": job '" + job.id() + "': " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return result(Conclusion.CANCELLED, Map.of(), started, "cancelled");
    }
  }

  private JobResult result(
      Conclusion conclusion, Map<String, String> outputs, Instant started, String message) {
    return new JobResult(
        key,
        job.id(),
        name,
        matrix,
        conclusion,
        outputs,
        List.of(),
        Duration.between(started, Instant.now()),
        message,
        false);
  }

  private record Callee(Workflow workflow, String display, CallChain chain) {}

  /** The called workflow, read and parsed, and the chain of calls below this one. */
  private Callee read(JobCall call) throws CallChain.CallProblem {
    String where = "job '" + job.id() + "' calls " + call.uses() + ": ";
    Path root;
    String repository;
    String path;
    String identity;
    String text = null;
    if (call.local()) {
      path = call.uses().substring(2);
      root = calls.root() != null ? calls.root() : run.request().sourceDirectory();
      repository = calls.repository();
      RunRequest request = run.request();
      if (root == null && request.remote() != null && request.sha() != null) {
        // gantry serve: the caller's repository at the run's commit, from its git mirror.
        text =
            CommitWorkflowFile.read(run.options().dataDir(), request.remote(), request.sha(), path);
        if (text == null) {
          throw new CallChain.CallProblem(
              where + "no such file in " + request.remote().name() + " at " + request.sha());
        }
        root = Path.of("/");
      } else if (root == null) {
        throw new CallChain.CallProblem(
            where + "this run has no checkout of its repository to read the workflow from");
      }
      int at = repository.indexOf('@');
      identity =
          repository.isEmpty()
              ? call.uses()
              : repository.substring(0, at) + "/" + path + repository.substring(at);
    } else {
      ActionReference reference = ActionReference.parse(call.uses());
      GitActionStepRunner git = gitRunner();
      if (git == null) {
        throw new CallChain.CallProblem(
            where + "workflows of other repositories need action sources (actions: sources:)");
      }
      try {
        root = git.tree(run.runId(), reference);
      } catch (ActionFetchException e) {
        throw new CallChain.CallProblem(where + e.getMessage().replace('\n', ' '));
      }
      path = reference.path();
      repository = reference.repository() + "@" + reference.ref();
      identity = call.uses();
    }
    CallChain chain = calls.enter(identity, text != null ? null : root, repository);
    Path file = root.resolve(path).normalize();
    if (text == null && (!file.startsWith(root) || !Files.isRegularFile(file))) {
      throw new CallChain.CallProblem(where + "no such file in " + describe(repository));
    }
    Workflow workflow;
    try {
      WorkflowParser parser = new WorkflowParser(catalog());
      workflow =
          text != null ? parser.parse(text, Path.of(path), identity) : parser.parse(file, identity);
    } catch (WorkflowException e) {
      throw new CallChain.CallProblem(where + e.problems().get(0) + more(e.problems().size() - 1));
    }
    if (workflow.call() == null) {
      throw new CallChain.CallProblem(
          where + "it is not a reusable workflow; add workflow_call to its on:");
    }
    return new Callee(workflow, identity, chain);
  }

  private static String describe(String repository) {
    return repository.isEmpty() ? "the repository" : repository;
  }

  private static String more(int count) {
    return count > 0 ? " (and " + count + " more problems)" : "";
  }

  /**
   * The executor's actions, and with actions from git enabled any other {@code OWNER/REPO@REF} or
   * {@code ./PATH} too (their inputs are checked when the step runs, from their action.yml).
   */
  private io.gantry.runner.workflow.ActionCatalog catalog() {
    io.gantry.runner.workflow.ActionCatalog builtIn = run.actions();
    if (gitRunner() == null) {
      return builtIn;
    }
    return new io.gantry.runner.workflow.ActionCatalog() {
      @Override
      public String problemWith(String uses) {
        String problem = builtIn.problemWith(uses);
        if (problem == null || uses.startsWith("./")) {
          return null;
        }
        try {
          ActionReference.parse(uses);
          return uses.startsWith("docker://") ? problem : null;
        } catch (IllegalArgumentException e) {
          return problem;
        }
      }

      @Override
      public Set<String> inputsOf(String uses) {
        return builtIn.problemWith(uses) == null ? builtIn.inputsOf(uses) : null;
      }

      @Override
      public Set<String> requiredInputsOf(String uses) {
        return builtIn.problemWith(uses) == null ? builtIn.requiredInputsOf(uses) : Set.of();
      }

      @Override
      public List<io.gantry.runner.workflow.InputProblem> inputProblems(
          String uses, Map<String, String> with, Set<String> env) {
        return builtIn.problemWith(uses) == null
            ? builtIn.inputProblems(uses, with, env)
            : List.of();
      }

      @Override
      public Set<String> exportsOf(String uses) {
        return builtIn.problemWith(uses) == null ? builtIn.exportsOf(uses) : Set.of();
      }
    };
  }

  private GitActionStepRunner gitRunner() {
    for (StepRunner runner : run.stepRunners()) {
      if (runner instanceof GitActionStepRunner git) {
        return git;
      }
    }
    return null;
  }

  /** The secrets the called workflow sees: all with {@code inherit}, else the ones passed. */
  private Map<String, String> secrets(JobCall call, WorkflowCall spec, String display)
      throws CallChain.CallProblem, ExpressionException {
    String caller = "job '" + job.id() + "': ";
    if (call.inheritSecrets()) {
      return run.request().secrets();
    }
    Map<String, String> values = new LinkedHashMap<>();
    ExpressionContext context = context(true);
    for (Map.Entry<String, String> given : call.secrets().entrySet()) {
      if (!spec.secrets().containsKey(given.getKey())) {
        throw new CallChain.CallProblem(
            caller
                + "secret '"
                + given.getKey()
                + "' is not declared by "
                + display
                + " (on.workflow_call.secrets); declare it there or use secrets: inherit");
      }
      String value = Expressions.interpolate(given.getValue(), context);
      if (!value.isEmpty()) {
        run.masker().add(value);
      }
      values.put(given.getKey(), value);
    }
    for (Map.Entry<String, Boolean> declared : spec.secrets().entrySet()) {
      if (declared.getValue() && !values.containsKey(declared.getKey())) {
        throw new CallChain.CallProblem(
            caller
                + "secret '"
                + declared.getKey()
                + "' is required by "
                + display
                + "; pass it under secrets: or use secrets: inherit");
      }
    }
    return values;
  }

  /** {@code on.workflow_call.outputs} evaluated over the called jobs' results. */
  private Map<String, String> outputs(WorkflowCall spec, RunRequest request, String display)
      throws CallChain.CallProblem {
    Map<String, Object> jobs = new LinkedHashMap<>();
    Map<String, List<JobResult>> byJob = new LinkedHashMap<>();
    for (JobResult r : nested) {
      byJob.computeIfAbsent(r.jobId(), id -> new ArrayList<>()).add(r);
    }
    byJob.forEach(
        (id, results) -> {
          Map<String, Object> outputs = new LinkedHashMap<>();
          results.forEach(r -> outputs.putAll(r.outputs()));
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("result", WorkflowExecutor.conclude(results, false).label());
          entry.put("outputs", outputs);
          jobs.put(id, entry);
        });
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", run.github());
    contexts.put("vars", new LinkedHashMap<String, Object>(request.vars()));
    contexts.put("inputs", Contexts.inputs(request));
    contexts.put("jobs", jobs);
    ExpressionContext context =
        new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> output : spec.outputs().entrySet()) {
      try {
        values.put(output.getKey(), Expressions.interpolate(output.getValue(), context));
      } catch (ExpressionException e) {
        throw new CallChain.CallProblem(
            display + ": on.workflow_call.outputs." + output.getKey() + ": " + e.getMessage());
      }
    }
    return values;
  }

  /** What {@code with:} (and, with {@code withSecrets}, {@code secrets:}) are evaluated with. */
  private ExpressionContext context(boolean withSecrets) {
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", run.github());
    contexts.put("needs", needs);
    contexts.put("strategy", strategy);
    contexts.put("matrix", matrix);
    contexts.put("vars", new LinkedHashMap<String, Object>(run.request().vars()));
    contexts.put("inputs", Contexts.inputs(run.request()));
    if (withSecrets) {
      contexts.put("secrets", new LinkedHashMap<String, Object>(run.request().secrets()));
    }
    return new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
  }

  /** What a caller's {@code secrets:} expressions read besides secrets and vars (no secret). */
  private Map<String, Object> callerContext() {
    Map<String, Object> contexts = new LinkedHashMap<>();
    contexts.put("needs", needs);
    contexts.put("strategy", strategy);
    contexts.put("matrix", matrix);
    contexts.put("inputs", Contexts.inputs(run.request()));
    return contexts;
  }

  private RunContext withRequest(RunRequest request, JobDispatcher dispatcher) {
    return new RunContext(
        request,
        run.runId(),
        run.runNumber(),
        run.attempt(),
        run.workspace(),
        run.sharedWorkspace(),
        run.runnerTemp(),
        run.baseEnv(),
        run.github(),
        run.masker(),
        run.listener(),
        run.deployHistory(),
        run.artifacts(),
        run.logs(),
        run.actions(),
        run.stepRunners(),
        run.jobServices(),
        run.jobGroups(),
        run.options(),
        run.cancelled(),
        // Its jobs go where the run's go; each carries the call, which an agent rebuilds.
        dispatcher);
  }
}
