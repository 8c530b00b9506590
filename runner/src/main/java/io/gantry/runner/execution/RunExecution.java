package io.gantry.runner.execution;

import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.Job;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Schedules the jobs of one run: a job starts when every job it needs has concluded and its {@code
 * if:} holds; a matrix job becomes one instance per combination, at most {@code max-parallel} at
 * once, with {@code fail-fast} stopping the others when one fails. Instances run on the executor's
 * pool; this class runs on the run's own thread and is its only user, so its state needs no locks.
 */
final class RunExecution {

  private final RunContext run;
  private final ExecutorService pool;
  private final Map<String, String> workflowEnv;

  private final Map<String, JobState> jobs = new LinkedHashMap<>();
  private final BlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
  private final List<JobResult> results = new ArrayList<>();
  private int running;

  /** For the jobs of a called workflow: {@code caller.}, {@code caller / }, and the calls above. */
  private final String keyPrefix;

  private final String namePrefix;
  private final CallChain calls;

  /** What a job sees of the jobs it needs (contexts, {@code if:} status, names). */
  private final JobNeeds jobNeeds;

  RunExecution(RunContext run, ExecutorService pool, Map<String, String> workflowEnv) {
    this(run, pool, workflowEnv, "", "", CallChain.top(run.request().workflow()));
  }

  RunExecution(
      RunContext run,
      ExecutorService pool,
      Map<String, String> workflowEnv,
      String keyPrefix,
      String namePrefix,
      CallChain calls) {
    this.run = run;
    this.pool = pool;
    this.workflowEnv = workflowEnv;
    this.keyPrefix = keyPrefix;
    this.namePrefix = namePrefix;
    this.calls = calls;
    this.jobNeeds = new JobNeeds(run, workflowEnv, jobs);
  }

  /** One job of the workflow and its instances. */
  static final class JobState {
    final Job job;
    final Deque<JobInstance> queued = new ArrayDeque<>();
    final List<JobResult> results = new ArrayList<>();
    final AtomicBoolean stopped = new AtomicBoolean();
    int maxParallel = Integer.MAX_VALUE;
    boolean failFast = true;
    int instances;
    int active;
    boolean started;

    /** The aggregate, once every instance has concluded. */
    Conclusion conclusion;

    JobState(Job job) {
      this.job = job;
    }
  }

  private record Finished(JobState state, JobResult result, List<JobResult> nested) {}

  List<JobResult> execute() throws InterruptedException {
    for (String id : SelectedJobs.of(run.request())) {
      jobs.put(id, new JobState(run.request().workflow().jobs().get(id)));
    }
    while (true) {
      boolean progress = true;
      while (progress) {
        progress = false;
        for (JobState state : jobs.values()) {
          if (!state.started && jobNeeds.needsConcluded(state)) {
            state.started = true;
            begin(state);
            progress = true;
          }
        }
        for (JobState state : jobs.values()) {
          while (!state.queued.isEmpty()
              && state.active < state.maxParallel
              && !state.stopped.get()
              && !run.cancelled().get()) {
            submit(state, state.queued.poll());
          }
          if (!state.queued.isEmpty() && (state.stopped.get() || run.cancelled().get())) {
            dropQueued(state);
            progress = true;
          }
        }
      }
      if (running == 0) {
        break;
      }
      Finished done = finished.take();
      running--;
      done.state.active--;
      results.add(done.result);
      results.addAll(done.nested);
      done.state.results.add(done.result);
      JobResult r = done.result;
      if (r.conclusion() == Conclusion.FAILURE
          && !r.continuedOnError()
          && done.state.failFast
          && done.state.instances > 1
          && done.state.stopped.compareAndSet(false, true)) {
        dropQueued(done.state);
      }
      conclude(done.state);
    }
    return results;
  }

  private void begin(JobState state) {
    Job job = state.job;
    List<ReusedJob> reused = run.request().reused().get(job.id());
    if (reused != null && !reused.isEmpty()) {
      reuse(state, reused);
      return;
    }
    Map<String, Object> needs = jobNeeds.needsContext(job);
    ExpressionContext context = jobNeeds.jobContext(job, needs, Map.of(), Map.of());
    boolean runIt;
    try {
      runIt = Expressions.condition(job.condition(), context);
    } catch (ExpressionException e) {
      finishWithout(
          state,
          keyPrefix + job.id(),
          namePrefix + job.id(),
          Conclusion.FAILURE,
          job.location() + ": if: " + e.getMessage());
      return;
    }
    if (!runIt) {
      finishWithout(
          state,
          keyPrefix + job.id(),
          namePrefix + jobNeeds.displayName(job, Map.of()),
          Conclusion.SKIPPED,
          jobNeeds.skipReason(job));
      return;
    }
    List<Map<String, Object>> combinations;
    try {
      Object matrix = job.strategy() == null ? null : job.strategy().matrix();
      matrix = Matrix.evaluateStrings(matrix, context);
      combinations = Matrix.expand(Matrix.normalize(matrix));
      if (job.strategy() != null) {
        if (job.strategy().failFast() != null) {
          state.failFast = truthy(Expressions.evaluateTemplate(job.strategy().failFast(), context));
        }
        if (job.strategy().maxParallel() != null) {
          Object max = Expressions.evaluateTemplate(job.strategy().maxParallel(), context);
          state.maxParallel = Math.max(1, (int) Double.parseDouble(Expressions.stringify(max)));
        }
      }
    } catch (ExpressionException | Matrix.MatrixException | NumberFormatException e) {
      finishWithout(
          state,
          keyPrefix + job.id(),
          namePrefix + job.id(),
          Conclusion.FAILURE,
          job.location() + ": strategy: " + e.getMessage());
      return;
    }
    state.instances = combinations.size();
    for (int i = 0; i < combinations.size(); i++) {
      Map<String, Object> matrix = combinations.get(i);
      String key =
          keyPrefix
              + (combinations.size() > 1 || !matrix.isEmpty()
                  ? job.id() + "-" + (i + 1)
                  : job.id());
      Map<String, Object> strategy = new LinkedHashMap<>();
      strategy.put("fail-fast", state.failFast);
      strategy.put("job-index", (double) i);
      strategy.put("job-total", (double) combinations.size());
      strategy.put("max-parallel", (double) Math.min(state.maxParallel, combinations.size()));
      String name = namePrefix + jobNeeds.displayName(job, matrix, needs, strategy);
      if (job.call() == null) {
        run.listener().jobQueued(key, name);
      }
      List<String> labels =
          job.call() != null
              ? List.of()
              : RunsOn.evaluated(job.runsOn(), jobNeeds.jobContext(job, needs, matrix, strategy));
      state.queued.add(
          job.call() != null
              ? new CalledWorkflow(run, pool, job, key, name, matrix, strategy, needs, calls)
              : run.dispatcher() != null && run.dispatcher().takes(labels)
                  ? new RemoteJob(
                      run,
                      new JobDispatcher.ReadyJob(
                          run.runId(), job.id(), key, name, labels, matrix, strategy, needs))
                  : new JobExecution(
                      run, job, key, name, matrix, strategy, needs, workflowEnv, state.stopped));
    }
  }

  private void submit(JobState state, JobInstance execution) {
    running++;
    state.active++;
    Runnable work =
        () -> {
          JobResult result;
          try {
            result = execution.call();
          } catch (RuntimeException | Error e) {
            // A bug in the executor fails this job, never the whole process.
            result =
                new JobResult(
                    execution.key(),
                    state.job.id(),
                    execution.name(),
                    Map.of(),
                    Conclusion.FAILURE,
                    Map.of(),
                    List.of(),
                    Duration.ZERO,
                    "internal error: " + e,
                    false);
          }
          run.listener().jobFinished(result);
          finished.add(new Finished(state, result, execution.nested()));
        };
    if (execution.ownThread()) {
      Thread thread = new Thread(work, "gantry-call-" + execution.key());
      thread.setDaemon(true);
      thread.start();
    } else {
      pool.execute(work);
    }
  }

  private void dropQueued(JobState state) {
    while (!state.queued.isEmpty()) {
      JobInstance execution = state.queued.poll();
      String reason =
          run.cancelled().get()
              ? "cancelled"
              : "cancelled: another instance of the matrix failed (fail-fast)";
      JobResult result =
          new JobResult(
              execution.key(),
              state.job.id(),
              execution.name(),
              Map.of(),
              Conclusion.CANCELLED,
              Map.of(),
              List.of(),
              Duration.ZERO,
              reason,
              false);
      results.add(result);
      state.results.add(result);
      run.listener().jobFinished(result);
    }
    conclude(state);
  }

  /** Concludes a job with the results it had in an earlier attempt (a rerun of failed jobs). */
  private void reuse(JobState state, List<ReusedJob> instances) {
    state.instances = instances.size();
    for (ReusedJob instance : instances) {
      run.listener().jobQueued(instance.key(), instance.name());
      try (io.gantry.runner.log.LogStore.StepLogFile log =
          run.logs().open(run.runId(), instance.key(), 0)) {
        StepOutput setup = new StepOutput(run, instance.key(), instance.name(), "Set up job", log);
        setup.system(
            "Job '"
                + instance.name()
                + "' passed in attempt "
                + instance.fromAttempt()
                + ": not run again, its outputs are reused");
        setup.flush();
      }
      JobResult result =
          new JobResult(
              instance.key(),
              state.job.id(),
              instance.name(),
              Map.of(),
              Conclusion.SUCCESS,
              instance.outputs(),
              List.of(),
              Duration.ZERO,
              "passed in attempt " + instance.fromAttempt() + "; not run again",
              false);
      results.add(result);
      state.results.add(result);
      run.listener().jobFinished(result);
    }
    conclude(state);
  }

  /** Records a job that concludes without running (skipped, or failed before any instance). */
  private void finishWithout(
      JobState state, String key, String name, Conclusion conclusion, String message) {
    JobResult result =
        new JobResult(
            key,
            state.job.id(),
            name,
            Map.of(),
            conclusion,
            Map.of(),
            List.of(),
            Duration.ZERO,
            message,
            false);
    results.add(result);
    state.results.add(result);
    state.instances = 1;
    run.listener().jobFinished(result);
    conclude(state);
  }

  private void conclude(JobState state) {
    if (state.results.size() < state.instances || state.conclusion != null) {
      return;
    }
    boolean anyFailed = false;
    boolean anyCancelled = false;
    boolean allSkipped = true;
    for (JobResult r : state.results) {
      if (r.conclusion() == Conclusion.FAILURE && !r.continuedOnError()) {
        anyFailed = true;
      }
      if (r.conclusion() == Conclusion.CANCELLED) {
        anyCancelled = true;
      }
      if (r.conclusion() != Conclusion.SKIPPED) {
        allSkipped = false;
      }
    }
    state.conclusion =
        anyFailed
            ? Conclusion.FAILURE
            : anyCancelled
                ? Conclusion.CANCELLED
                : allSkipped ? Conclusion.SKIPPED : Conclusion.SUCCESS;
  }

  private static boolean truthy(Object value) {
    if (value instanceof String s) {
      return !s.strip().equalsIgnoreCase("false") && !s.isBlank();
    }
    return Expressions.truthy(value);
  }
}
