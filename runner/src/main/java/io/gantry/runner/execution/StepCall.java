package io.gantry.runner.execution;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.container.JobContainer;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.workflow.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One step as a {@link StepRunner} gets it: its fields evaluated, and the job it runs in. Used on
 * the job's thread only (but {@link #log} and {@link #stopRequested} may be called from threads the
 * runner starts).
 */
public interface StepCall {

  /** The step as written in the workflow (its fields unevaluated; use the accessors below). */
  Step step();

  /** 1-based position in the job. */
  int number();

  /** The display name, evaluated. */
  String name();

  /** The process environment: the runner's, the workflow's, the job's, exported, the step's. */
  Map<String, String> env();

  /** {@code with:} evaluated (empty for a {@code run:} step). */
  Map<String, String> with();

  /** {@code run:} evaluated, or null for a {@code uses:} step. */
  String script();

  /** {@code working-directory} (or the defaults') resolved in the workspace. */
  Path workingDirectory();

  /** {@code shell} (or the defaults'), {@code bash} when none is set. */
  String shell();

  /** The job's workspace ({@code GITHUB_WORKSPACE}). */
  Path workspace();

  /** A folder of the job's own for scripts and the files steps talk back through. */
  Path stepFiles();

  /** When the step must be over, as {@link System#nanoTime()}. */
  long deadline();

  /**
   * Whether the step must stop because the run was cancelled. A step that started after the cancel
   * (with {@code if: always()} or {@code cancelled()}) is never asked to stop by it.
   */
  boolean stopRequested();

  /** Between SIGTERM and SIGKILL when a step is stopped. */
  Duration killGracePeriod();

  /** A process group leader the step started; the job kills it when it ends. */
  void processStarted(ProcessHandle leader);

  /** One line the step printed: workflow commands are acted on, the rest masked and logged. */
  void log(String line);

  /** A runner's message about the step (its header, for one). */
  void system(String text);

  void setOutput(String name, String value);

  void addMask(String value);

  String mask(String text);

  void exportVariable(String name, String value);

  void addPath(String path);

  /** The run's request: commit, ref, actor, source directory, remote. */
  RunRequest request();

  long runId();

  /** A folder under the data directory that outlives the run, by name (created). */
  Path cacheDirectory(String name);

  RegistryLogins registryLogins();

  JobDeploys jobDeploys();

  DeployHistory deployHistory();

  /** The artifacts of the run's data directory; null where a run has none. */
  default io.gantry.runner.artifact.RunArtifacts artifacts() {
    return null;
  }

  /**
   * The job's container ({@code container:}) when the job has one: its steps run inside it. Null
   * otherwise.
   */
  default JobContainer jobContainer() {
    return null;
  }

  /**
   * The job's network when it has services or a job container (a container action joins it, so the
   * services are reachable by their ids, as on GitHub); null otherwise.
   */
  default String jobNetwork() {
    return null;
  }

  /**
   * {@code url}, a service on the host's loopback (the cache service's {@code ACTIONS_CACHE_URL}),
   * as the containers of the job's network ({@link #jobNetwork}) reach it; any other URL, or any
   * URL when the job has no network, as it is.
   *
   * @throws io.gantry.runner.container.ContainerException one line saying why the job's network
   *     cannot reach it and what to configure
   */
  default String reachableFromJobNetwork(String url) {
    return url;
  }

  /**
   * Asks for {@code post} to run when the job's steps are over, as a step of its own named {@code
   * Post <this step's name>}, with this step's environment and inputs; posts run in the reverse
   * order of their registration, each when {@code condition} ({@code post-if}; {@code always()}
   * when null) holds in the job's status then. A failing post step fails the job.
   */
  default void addPost(String condition, PostRun post) {
    throw new UnsupportedOperationException("this step cannot register a post step");
  }

  /**
   * The state the {@code pre} of this step's action saved when it ran at the job's set-up (empty
   * when {@code pre-if} kept it from running), or null when it did not run there: then a runner
   * runs {@code pre} at the start of the step itself (a step inside a composite action, a local
   * action, a step the set-up could not evaluate).
   */
  default Map<String, String> preState() {
    return null;
  }

  /** Records what the {@code pre} of this step's action saved at the job's set-up. */
  default void preRan(Map<String, String> state) {
    throw new UnsupportedOperationException("this step has no pre at the job's set-up");
  }

  /** What a post step does, given its own call (its own log, deadline and file commands). */
  @FunctionalInterface
  interface PostRun {
    StepEnding run(StepCall call) throws Exception;
  }
}
