package io.gantry.runner.execution;

import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.log.Masker;
import io.gantry.runner.store.DeployHistory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every job of one run shares. Immutable but for the masker and the cancel flag. {@code
 * listener} is the run's one event channel (the store first, see {@link RunListeners}); {@code
 * dispatcher} runs ready jobs elsewhere (agents), or is null: every job runs here.
 */
record RunContext(
    RunRequest request,
    long runId,
    long runNumber,
    int attempt,
    Path workspace,
    boolean sharedWorkspace,
    Path runnerTemp,
    Map<String, String> baseEnv,
    Map<String, Object> github,
    Masker masker,
    RunListener listener,
    DeployHistory deployHistory,
    io.gantry.runner.artifact.RunArtifacts artifacts,
    LogStore logs,
    ActionRegistry actions,
    List<StepRunner> stepRunners,
    JobServices jobServices,
    JobGroups jobGroups,
    ExecutorOptions options,
    AtomicBoolean cancelled,
    JobDispatcher dispatcher) {

  /**
   * The workspace of one job instance: a folder of its own below the run's, as every GitHub job
   * gets a runner of its own, unless the run was asked to work in one folder ({@code --bind}).
   */
  Path workspaceOf(String jobKey) {
    return sharedWorkspace ? workspace : workspace.resolve(jobKey);
  }

  /**
   * Whether {@code ::debug::} lines are shown (secret or variable ACTIONS_STEP_DEBUG/RUNNER_DEBUG).
   */
  boolean debugEnabled() {
    return isTrue(request.secrets().get("ACTIONS_STEP_DEBUG"))
        || isTrue(request.vars().get("ACTIONS_STEP_DEBUG"))
        || isTrue(request.secrets().get("ACTIONS_RUNNER_DEBUG"))
        || isTrue(request.vars().get("ACTIONS_RUNNER_DEBUG"));
  }

  private static boolean isTrue(String value) {
    return "true".equalsIgnoreCase(value) || "1".equals(value);
  }
}
