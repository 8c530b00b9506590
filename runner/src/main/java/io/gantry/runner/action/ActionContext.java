package io.gantry.runner.action;

import java.nio.file.Path;
import java.util.Map;

/**
 * What an action sees of its step and job. Implemented by the executor; thread-confined to the
 * job's thread except {@link #cancelled()}.
 */
public interface ActionContext {

  /** The step's inputs, evaluated, with defaults applied. */
  Map<String, String> inputs();

  /** One input, or {@code ""} when absent. */
  default String input(String name) {
    String value = inputs().get(name);
    return value == null ? "" : value;
  }

  /** The step's environment (workflow, job and step {@code env}, plus the runner's variables). */
  Map<String, String> env();

  /** {@code GITHUB_WORKSPACE}. */
  Path workspace();

  /**
   * The folder of the repository being run, for {@code actions/checkout} of a local directory; null
   * when the run has none.
   */
  Path sourceDirectory();

  /**
   * The repository the run was triggered for, to clone at {@link #sha()}; null for runs of a local
   * directory.
   */
  io.gantry.runner.git.RemoteRepository remote();

  /** The commit of the run ({@code github.sha}). */
  String sha();

  /** The ref of the run ({@code github.ref}). */
  String ref();

  /** Writes a line to the step log; secrets are masked on the way. */
  void log(String line);

  /** Sets a step output ({@code steps.<id>.outputs.<name>}). */
  void setOutput(String name, String value);

  /** Masks a value in every later log line of the run. */
  void addMask(String value);

  /** Sets an environment variable for the later steps of the job (as {@code $GITHUB_ENV}). */
  void exportVariable(String name, String value);

  /** Prepends a folder to {@code PATH} for the later steps (as {@code $GITHUB_PATH}). */
  void addPath(String path);

  /**
   * A folder of the data directory for caches shared by runs (created on first use), e.g. image
   * layers. Concurrent runs share it: write into it atomically.
   */
  Path cacheDirectory(String name);

  /** The registry logins of this job, shared by its steps. */
  RegistryLogins registryLogins();

  /**
   * The run's id in the store ({@code github.run_id}), recorded with what the step does (e.g. a
   * deploy); 0 outside a run.
   */
  default long runId() {
    return 0;
  }

  /** Who or what triggered the run ({@code github.actor}); null outside a run. */
  default String actor() {
    return null;
  }

  /**
   * The deploy history of the run store the run is recorded in, shared by every run and process
   * using the same data directory. The executor always gives one; it is null only for contexts made
   * outside a run, where the deploy actions refuse to touch a service.
   */
  default io.gantry.runner.store.DeployHistory deployHistory() {
    return null;
  }

  /**
   * The deploys made by the earlier steps of this job, shared by its steps (as {@link
   * #registryLogins()}): what {@code gantry/health-check} records its settings on and rolls back
   * when it fails. Null for contexts made outside a run.
   */
  default JobDeploys jobDeploys() {
    return null;
  }

  /**
   * The artifacts of the runs of this data directory, for {@code actions/upload-artifact} and
   * {@code actions/download-artifact}; null for contexts made outside a run.
   */
  default io.gantry.runner.artifact.RunArtifacts artifacts() {
    return null;
  }

  /**
   * {@code text} as the log would show it, every masked value replaced; an action compares the two
   * to tell whether a value holds a secret before it stores it anywhere. Outside a run nothing is
   * masked.
   */
  default String mask(String text) {
    return text;
  }

  /** Whether the run is being cancelled or the step timed out: stop and return soon. */
  boolean cancelled();
}
