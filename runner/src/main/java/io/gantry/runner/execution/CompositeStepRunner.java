package io.gantry.runner.execution;

import io.gantry.runner.action.remote.ActionFetchException;
import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.action.remote.FetchedAction;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@code runs.using: composite} action ({@code OWNER/REPO[/PATH]@REF} or {@code ./PATH}):
 * its steps run as part of the job, one after another, each picked up by the executor's runners
 * like a step of the workflow (so a composite step may be a {@code run:} script, a built-in, a
 * JavaScript action or another composite action). See {@link CompositeRun} for what a composite
 * step sees.
 *
 * <p>Nesting is bounded as on GitHub's runner: a composite action inside {@value #MAX_DEPTH} others
 * fails its step, and one that calls itself (directly or through others) fails at once with the
 * chain of actions in the message.
 *
 * <p>Goes before {@link GitActionStepRunner} in the list ({@link StepRunners#withGitActions}); it
 * asks that runner for the action ({@link GitActionStepRunner#resolve}), and takes the step only
 * when the action is a composite one.
 */
final class CompositeStepRunner implements StepRunner {

  /** GitHub's runner's limit on composite actions inside composite actions. */
  static final int MAX_DEPTH = 9;

  private final GitActionStepRunner git;

  CompositeStepRunner(GitActionStepRunner git) {
    this.git = git;
  }

  @Override
  public boolean accepts(StepCall step) {
    if (!(step instanceof NestedStepCall) || !git.accepts(step)) {
      return false;
    }
    try {
      return git.resolve(step).manifest().runs() instanceof ActionManifest.CompositeRuns;
    } catch (ActionFetchException e) {
      return false; // the JavaScript runner reports it
    }
  }

  @Override
  public StepEnding run(StepCall step) throws InterruptedException {
    NestedStepCall call = (NestedStepCall) step;
    String uses = step.step().uses().strip();
    FetchedAction action;
    List<io.gantry.runner.workflow.Step> steps;
    try {
      action = git.resolve(step);
      steps = CompositeSteps.read((ActionManifest.CompositeRuns) action.manifest().runs());
    } catch (ActionFetchException | CompositeSteps.InvalidComposite e) {
      return StepEnding.failed(step.step().location() + ": " + e.getMessage().replace('\n', ' '));
    }
    String self = action.reference().toString();
    List<String> chain = new ArrayList<>(call.actionChain());
    if (chain.contains(self)) {
      chain.add(self);
      return StepEnding.failed(
          step.step().location()
              + ": composite action "
              + self
              + " calls itself ("
              + String.join(" → ", chain)
              + "); remove the step that uses it again");
    }
    if (chain.size() >= MAX_DEPTH) {
      return StepEnding.failed(
          step.step().location()
              + ": composite action "
              + uses
              + " is nested "
              + (chain.size() + 1)
              + " deep (the limit is "
              + MAX_DEPTH
              + ", as on GitHub): "
              + String.join(" → ", chain));
    }
    chain.add(self);
    return new CompositeRun(call, action, steps, List.copyOf(chain)).run();
  }
}
