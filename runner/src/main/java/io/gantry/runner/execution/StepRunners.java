package io.gantry.runner.execution;

import io.gantry.runner.action.ActionRegistry;
import java.util.List;

/**
 * The step runners an executor asks, in order (see {@link StepRunner}). To add one, pass the list
 * to {@link WorkflowExecutor#WorkflowExecutor(ActionRegistry, io.gantry.runner.store.RunStore,
 * ExecutorOptions, List)}: for example {@code List.of(jobContainerRunner, ...builtIn(actions),
 * gitActionRunner)}.
 */
public final class StepRunners {

  private StepRunners() {}

  /**
   * Scripts of jobs with a {@code container:} in their job container ({@link ContainerStepRunner}),
   * built-in actions ({@link ActionStepRunner}) and scripts on this machine ({@link
   * ScriptStepRunner}).
   */
  public static List<StepRunner> builtIn(ActionRegistry actions) {
    return List.of(
        new ContainerStepRunner(), new ActionStepRunner(actions), new ScriptStepRunner());
  }

  /**
   * The built-in ones, then composite actions ({@link CompositeStepRunner}) and JavaScript actions
   * ({@link GitActionStepRunner}) from git sources and the workspace for every other {@code uses:}.
   * A built-in pinned to a commit of a release it does not implement goes to the latter too.
   */
  public static List<StepRunner> withGitActions(ActionRegistry actions, GitActionStepRunner git) {
    List<StepRunner> fromGit =
        List.of(new DockerActionStepRunner(), new CompositeStepRunner(git), git);
    List<StepRunner> all = new java.util.ArrayList<>();
    all.add(new ContainerStepRunner());
    all.add(new ActionStepRunner(actions, git, fromGit));
    all.addAll(fromGit);
    all.add(new ScriptStepRunner());
    return List.copyOf(all);
  }

  /** The first runner that accepts the step, or null when none does. */
  static StepRunner select(List<StepRunner> runners, StepCall step) {
    for (StepRunner runner : runners) {
      if (runner.accepts(step)) {
        return runner;
      }
    }
    return null;
  }
}
