package io.gantry.runner.execution;

import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.files.PrivateFiles;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.log.Masker;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Runs workflows on this machine: the runner module's entry point.
 *
 * <p>{@link #start} records the run in the store, then executes it on a thread of its own; the
 * returned {@link Execution} cancels or awaits it. Jobs of all runs share one pool of {@link
 * ExecutorOptions#maxParallelJobs()} threads. Every run ends with {@link RunListener#runFinished}
 * and a conclusion in the store, whatever happens inside it. The executor never writes to the store
 * itself once the run is created: its events go out once, to the store first ({@link RunRecorder})
 * and then to the caller's listener (see {@link RunListeners}).
 */
public final class WorkflowExecutor implements AutoCloseable {

  private final ActionRegistry actions;
  private final RunStore store;
  private final LogStore logs;
  private final ExecutorOptions options;
  private final ExecutorService jobPool;
  private final List<StepRunner> stepRunners;
  private final JobServices jobServices;
  private final JobGroups jobGroups = new JobGroups();
  private final io.gantry.runner.artifact.ArtifactStore artifacts;
  private volatile JobDispatcher dispatcher;
  private volatile java.util.function.LongFunction<io.gantry.runner.artifact.RunArtifacts>
      remoteArtifacts;

  /** An executor whose steps run on this machine: built-in actions and scripts. */
  public WorkflowExecutor(ActionRegistry actions, RunStore store, ExecutorOptions options) {
    this(actions, store, options, StepRunners.builtIn(actions));
  }

  /**
   * An executor with the given step runners, asked in order for each step (see {@link StepRunner}).
   */
  public WorkflowExecutor(
      ActionRegistry actions,
      RunStore store,
      ExecutorOptions options,
      List<StepRunner> stepRunners) {
    this(actions, store, options, stepRunners, JobServices.NONE);
  }

  /**
   * An executor with the given step runners and the services each job's actions get (see {@link
   * JobServices}: the cache service's URL and a per-job token, for one).
   */
  public WorkflowExecutor(
      ActionRegistry actions,
      RunStore store,
      ExecutorOptions options,
      List<StepRunner> stepRunners,
      JobServices jobServices) {
    this.stepRunners = List.copyOf(stepRunners);
    this.jobServices = jobServices;
    this.actions = actions;
    this.store = store;
    this.options = options;
    this.logs = new LogStore(options.dataDir());
    this.artifacts = io.gantry.runner.artifact.ArtifactStore.in(options.dataDir(), store);
    AtomicInteger threads = new AtomicInteger();
    this.jobPool =
        Executors.newFixedThreadPool(
            options.maxParallelJobs(),
            r -> {
              Thread t = new Thread(r, "gantry-job-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Runs the ready jobs it {@linkplain JobDispatcher#takes takes} through {@code dispatcher} (to
   * agents) from the next run on; null: every job runs here (the default).
   */
  public void dispatchJobsTo(JobDispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /**
   * Where the jobs {@link #runJob} runs (an agent's) keep and find artifacts, by run id: the
   * orchestrating server's store over HTTP, so jobs of one run on different machines share them.
   * Null (the default): this executor's own {@link #artifacts()}.
   */
  public void keepJobArtifactsWith(
      java.util.function.LongFunction<io.gantry.runner.artifact.RunArtifacts> forRun) {
    this.remoteArtifacts = forRun;
  }

  /** The log store the runs write to. */
  public LogStore logs() {
    return logs;
  }

  /** The artifacts the runs upload (actions/upload-artifact), for the API and the sweep. */
  public io.gantry.runner.artifact.ArtifactStore artifacts() {
    return artifacts;
  }

  /** Records the run as queued and starts it; returns at once. */
  public Execution start(RunRequest request, RunListener listener) {
    RunHistory.RunRecord record =
        store.createRun(
            new RunHistory.NewRun(
                request.repository(),
                request.workflow().file().toString(),
                request.workflow().name(),
                request.workflow().source(),
                request.event(),
                request.ref(),
                request.sha(),
                request.inputs(),
                request.actor(),
                Expressions.toJson(request.eventPayload()),
                null,
                false));
    return startQueued(record, request, listener);
  }

  /**
   * Starts a run the store already holds (queued by the server and claimed by a worker); returns at
   * once. The request must describe the same workflow, event and commit as the record.
   */
  public Execution startQueued(
      RunHistory.RunRecord record, RunRequest request, RunListener listener) {
    Execution execution = new Execution(record.id(), record.runNumber());
    RunListener events =
        RunListeners.storeFirst(new RunRecorder(store, record.id()), RunListeners.of(listener));
    Thread thread =
        new Thread(
            () -> execution.complete(execute(request, record, events, execution.cancelled)),
            "gantry-run-" + record.id());
    thread.start();
    return execution;
  }

  /** Runs a workflow to its end. */
  public RunResult run(RunRequest request, RunListener listener) throws InterruptedException {
    return start(request, listener).await();
  }

  private RunResult execute(
      RunRequest request,
      RunHistory.RunRecord record,
      RunListener listener,
      AtomicBoolean cancelled) {
    Instant started = Instant.now();
    boolean ownWorkspace = request.workspace() == null;
    Path workspace =
        ownWorkspace
            ? options.dataDir().resolve("workspaces").resolve(Long.toString(record.id()))
            : request.workspace();
    Path runnerTemp = options.dataDir().resolve("tmp").resolve(Long.toString(record.id()));
    Path eventPath = runnerTemp.resolve("event.json");
    Map<String, Object> github =
        Contexts.github(
            request, record.id(), record.runNumber(), record.attempt(), workspace, eventPath);
    listener.runStarted(record.id(), record.runNumber(), runName(request, github));
    List<JobResult> jobs = List.of();
    Conclusion conclusion;
    try {
      if (ownWorkspace) {
        PrivateFiles.createDirectories(workspace);
      } else {
        Files.createDirectories(workspace);
      }
      RunContext context =
          context(
              request,
              record.id(),
              record.runNumber(),
              record.attempt(),
              workspace,
              !ownWorkspace,
              runnerTemp,
              eventPath,
              github,
              listener,
              artifacts,
              cancelled,
              dispatcher,
              null);
      Map<String, String> workflowEnv = workflowEnv(request, github);
      jobs = new RunExecution(context, jobPool, workflowEnv).execute();
      conclusion = conclude(jobs, cancelled.get());
    } catch (ExpressionException e) {
      conclusion = Conclusion.FAILURE;
      jobs = List.of(failedSetup(request, "env: " + e.getMessage()));
    } catch (IOException | UncheckedIOException e) {
      conclusion = Conclusion.FAILURE;
      jobs = List.of(failedSetup(request, "cannot prepare the run: " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      conclusion = Conclusion.CANCELLED;
    } finally {
      deleteQuietly(runnerTemp);
      if (ownWorkspace) {
        deleteQuietly(workspace);
      }
    }
    Instant finished = Instant.now();
    RunResult result =
        new RunResult(
            record.id(),
            record.runNumber(),
            request.workflow().name(),
            conclusion,
            jobs,
            Duration.between(started, finished));
    listener.runFinished(result);
    return result;
  }

  /**
   * Runs one job of a run orchestrated elsewhere (a job an agent claimed), on the calling thread,
   * in a workspace of its own under the data directory that is removed afterwards. Its events go to
   * {@code listener} only, its deploys to {@code deploys} (the orchestrating server's history; when
   * null, this executor's store). Setting {@code cancelled} stops it as a cancelled run would.
   */
  public JobResult runJob(
      RunRequest request,
      long runNumber,
      int attempt,
      JobDispatcher.ReadyJob job,
      RunListener listener,
      AtomicBoolean cancelled,
      DeployHistory deploys) {
    String folder = job.runId() + "-" + job.key().replaceAll("[^A-Za-z0-9._-]", "_");
    Path workspace = options.dataDir().resolve("workspaces").resolve(folder);
    Path runnerTemp = options.dataDir().resolve("tmp").resolve(folder);
    Path eventPath = runnerTemp.resolve("event.json");
    Map<String, Object> github =
        Contexts.github(request, job.runId(), runNumber, attempt, workspace, eventPath);
    io.gantry.runner.workflow.Job definition = request.workflow().jobs().get(job.jobId());
    try {
      if (definition == null) {
        return failedJob(job, "the workflow has no job '" + job.jobId() + "'");
      }
      PrivateFiles.createDirectories(workspace);
      RunContext context =
          context(
              request,
              job.runId(),
              runNumber,
              attempt,
              workspace,
              true,
              runnerTemp,
              eventPath,
              github,
              listener,
              remoteArtifacts == null ? artifacts : remoteArtifacts.apply(job.runId()),
              cancelled,
              null,
              deploys);
      return new JobExecution(
              context,
              definition,
              job.key(),
              job.name(),
              job.matrix(),
              job.strategy(),
              job.needs(),
              workflowEnv(request, github),
              new AtomicBoolean())
          .call();
    } catch (ExpressionException e) {
      return failedJob(job, "env: " + e.getMessage());
    } catch (IOException | UncheckedIOException e) {
      return failedJob(job, "cannot prepare the job: " + e.getMessage());
    } finally {
      deleteQuietly(runnerTemp);
      deleteQuietly(workspace);
    }
  }

  private static JobResult failedJob(JobDispatcher.ReadyJob job, String message) {
    return new JobResult(
        job.key(),
        job.jobId(),
        job.name(),
        job.matrix(),
        Conclusion.FAILURE,
        Map.of(),
        List.of(),
        Duration.ZERO,
        message,
        false);
  }

  private static JobResult failedSetup(RunRequest request, String message) {
    return new JobResult(
        "(setup)",
        "(setup)",
        request.workflow().name(),
        Map.of(),
        Conclusion.FAILURE,
        Map.of(),
        List.of(),
        Duration.ZERO,
        message,
        false);
  }

  /**
   * The run's title: {@code run-name} evaluated (it may read github, inputs and vars), else the
   * workflow's name. A run-name that fails to evaluate falls back to the name, since a title is not
   * worth failing a run over; the validator has already checked its syntax.
   */
  /**
   * A run's context, the same for a whole run and for one job run for an agent: its temp folder and
   * event file written, the secrets masked, the base environment with GitHub's variables.
   */
  private RunContext context(
      RunRequest request,
      long runId,
      long runNumber,
      int attempt,
      Path workspace,
      boolean sharedWorkspace,
      Path runnerTemp,
      Path eventPath,
      Map<String, Object> github,
      RunListener listener,
      io.gantry.runner.artifact.RunArtifacts runArtifacts,
      AtomicBoolean cancelled,
      JobDispatcher dispatcher,
      DeployHistory deploys)
      throws IOException {
    PrivateFiles.createDirectories(runnerTemp);
    PrivateFiles.writeString(eventPath, Expressions.toJson(request.eventPayload()));
    Masker masker = new Masker();
    request.secrets().values().forEach(masker::add);
    Map<String, String> baseEnv = new LinkedHashMap<>(System.getenv());
    baseEnv.putAll(request.env());
    baseEnv.putAll(Contexts.defaultVariables(github, runnerTemp));
    return new RunContext(
        request,
        runId,
        runNumber,
        attempt,
        workspace.toAbsolutePath(),
        sharedWorkspace,
        runnerTemp.toAbsolutePath(),
        baseEnv,
        github,
        masker,
        listener,
        deploys != null ? deploys : store.deployHistory(),
        runArtifacts,
        logs,
        actions,
        stepRunners,
        jobServices,
        jobGroups,
        options,
        cancelled,
        dispatcher);
  }

  private static String runName(RunRequest request, Map<String, Object> github) {
    String template = request.workflow().runName();
    if (template == null || template.isBlank()) {
      return request.workflow().name();
    }
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", github);
    contexts.put("vars", new LinkedHashMap<String, Object>(request.vars()));
    contexts.put("inputs", Contexts.inputs(request));
    try {
      return Expressions.interpolate(
          template, new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null));
    } catch (ExpressionException e) {
      return request.workflow().name();
    }
  }

  static Map<String, String> workflowEnv(RunRequest request, Map<String, Object> github)
      throws ExpressionException {
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", github);
    contexts.put("secrets", new LinkedHashMap<String, Object>(request.secrets()));
    contexts.put("vars", new LinkedHashMap<String, Object>(request.vars()));
    contexts.put("inputs", Contexts.inputs(request));
    ExpressionContext context =
        new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : request.workflow().env().entrySet()) {
      env.put(e.getKey(), Expressions.interpolate(e.getValue(), context));
    }
    return env;
  }

  /** Failure beats cancelled beats success; a run where no job ran at all is skipped. */
  static Conclusion conclude(List<JobResult> jobs, boolean cancelled) {
    if (jobs.stream()
        .anyMatch(j -> j.conclusion() == Conclusion.FAILURE && !j.continuedOnError())) {
      return Conclusion.FAILURE;
    }
    if (cancelled || jobs.stream().anyMatch(j -> j.conclusion() == Conclusion.CANCELLED)) {
      return Conclusion.CANCELLED;
    }
    if (jobs.stream().allMatch(j -> j.conclusion() == Conclusion.SKIPPED)) {
      return Conclusion.SKIPPED;
    }
    return Conclusion.SUCCESS;
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A file a leftover process still writes; the folder is under the data directory and
      // removed with the next clean-up.
    }
  }

  @Override
  public void close() {
    jobPool.shutdownNow();
  }

  /** A run under way. */
  public static final class Execution {
    private final long runId;
    private final long runNumber;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private RunResult result;

    Execution(long runId, long runNumber) {
      this.runId = runId;
      this.runNumber = runNumber;
    }

    public long runId() {
      return runId;
    }

    public long runNumber() {
      return runNumber;
    }

    /**
     * Asks the run to stop: running steps get SIGTERM, then SIGKILL after the grace period; steps
     * and jobs whose {@code if:} holds on cancel ({@code always()}, {@code cancelled()}) still run.
     */
    public void cancel() {
      cancelled.set(true);
    }

    public synchronized RunResult await() throws InterruptedException {
      while (result == null) {
        wait();
      }
      return result;
    }

    /** The result, or null while the run goes on. */
    public synchronized RunResult resultNow() {
      return result;
    }

    synchronized void complete(RunResult result) {
      this.result = result;
      notifyAll();
    }
  }
}
