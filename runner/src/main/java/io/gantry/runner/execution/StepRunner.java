package io.gantry.runner.execution;

/**
 * Where a step runs: the seam between the step loop and what a step does.
 *
 * <p>The step loop ({@link StepLoop}) decides whether a step runs ({@code if:}), evaluates every
 * field of it ({@code name}, {@code env}, {@code with}, {@code run}, {@code working-directory},
 * {@code timeout-minutes}; see {@link StepFields}), opens its log, and afterwards applies timeouts,
 * {@code continue-on-error}, the file commands ({@code $GITHUB_OUTPUT}, {@code $GITHUB_ENV}, …),
 * masking and the step's events. A runner only runs the evaluated step and says how it ended.
 *
 * <p>The executor asks its runners in order ({@link StepRunners}); the first whose {@link #accepts}
 * says yes runs the step. Today: {@link ActionStepRunner} (a built-in action behind {@code uses:})
 * and {@link ScriptStepRunner} (a {@code run:} script as a process group on this machine). A runner
 * for actions fetched from git (node, composite, docker) goes after the built-in one; a runner that
 * executes steps inside a job container goes first and accepts the steps of jobs with a {@code
 * container:}. Both are added by passing the list to {@link WorkflowExecutor}'s constructor (see
 * {@link StepRunners}), without touching the loop.
 *
 * <p>Contract: {@link #run} is called on the job's thread, once per step, and returns when the step
 * is over; every process it starts is registered with {@link StepCall#processStarted} so that the
 * job's clean-up kills it. It stops at {@link StepCall#deadline()} (ending {@link
 * StepEnding.TimedOut}) and when {@link StepCall#stopRequested()} turns true (ending {@link
 * StepEnding.Cancelled}). A step failing is an ending, not an exception; an exception that escapes
 * fails the step with its message.
 */
public interface StepRunner {

  /** Whether this runner runs the step (its fields are already evaluated). */
  boolean accepts(StepCall step);

  /** Runs the step to its end. Interrupted: the step is cancelled. */
  StepEnding run(StepCall step) throws Exception;

  /**
   * Runs the {@code pre} of the step's action, if it has one, at the job's set-up: before the job's
   * first step, for every {@code uses:} step of the job in order, as GitHub runs its {@code Pre}
   * steps ({@link PreSteps}). The step's fields are evaluated then (no step has run yet); its
   * {@code if:} does not apply ({@code pre-if} does). Returns null when there is nothing to run at
   * set-up; the runner then sees {@link StepCall#preState()} null at the step. A runner that ran
   * {@code pre} calls {@link StepCall#preRan} with the state it saved.
   */
  default StepEnding pre(StepCall step) throws Exception {
    return null;
  }
}
