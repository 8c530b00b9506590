/**
 * The executor: runs a workflow's jobs and steps on this machine and sends their events out.
 *
 * <p>How a run goes, class by class:
 *
 * <ul>
 *   <li>{@link io.gantry.runner.execution.WorkflowExecutor} (the entry point) records the run,
 *       prepares its workspace and contexts and hands it to {@code RunExecution}, which schedules
 *       the jobs (needs, {@code if:}, matrix, {@code max-parallel}, {@code fail-fast}) on a shared
 *       pool.
 *   <li>{@code JobExecution} runs one job instance: its set-up, its {@code concurrency:} group
 *       ({@code JobGroups}), each step, its outputs and clean-up. {@code JobScope} holds what its
 *       steps see (contexts, exported env, PATH, failed/cancelled/timed out).
 *   <li>{@code StepLoop} is the step loop, written once: {@code if:}, name, env, timeouts, the
 *       step's fields evaluated in one place ({@code StepFields}), the runner chosen and called,
 *       its {@link io.gantry.runner.execution.StepEnding} turned into the outcome, {@code
 *       continue-on-error}, the file commands, masking ({@code StepOutput}) and the step's events.
 *   <li><b>Where a step runs</b> is a {@link io.gantry.runner.execution.StepRunner}: {@code
 *       ScriptStepRunner} runs a {@code run:} script as a process group here ({@code Shells},
 *       {@code StepProcess}, {@code ProcessGroups}); {@code ActionStepRunner} runs a built-in
 *       action in this process through the unchanged {@link io.gantry.runner.action.ActionContext}
 *       ({@code StepActionContext}). Runners get the step as a {@link
 *       io.gantry.runner.execution.StepCall}; the executor asks them in order ({@link
 *       io.gantry.runner.execution.StepRunners}), so a runner for actions fetched from git or one
 *       that runs steps in a job container is added by passing it to {@code WorkflowExecutor},
 *       without touching the loop.
 *   <li><b>Where events go</b>: every run, job and step event goes out once, on {@link
 *       io.gantry.runner.execution.RunListeners}' composite: first {@code RunRecorder} (the run
 *       store's {@link io.gantry.runner.store.RunHistory}, so anything reported afterwards is
 *       already stored), then the caller's {@link io.gantry.runner.execution.RunListener}s (the
 *       console of {@code gantry run}; in the server, live log followers and the commit-status
 *       outbox). The executor itself never writes to the store after creating the run.
 * </ul>
 */
package io.gantry.runner.execution;
