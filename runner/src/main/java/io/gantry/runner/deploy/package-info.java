/**
 * Deploys to Amazon ECS, as a library: what the deploy actions, {@code gantry rollback} and the
 * server's service API all call. {@link io.gantry.runner.deploy.EcsDeploy} registers a task
 * definition, runs a one-off task first when asked ({@code OneOffTask}), rolls the service out and
 * judges the rollout by what ECS says is live ({@code EcsRollout}), one deploy of a service at a
 * time ({@code ServiceLock}, a lease in the deploy history), recorded in the {@link
 * io.gantry.runner.store.DeployHistory} and rolled back to the last known good deployment when it
 * fails ({@code Rollbacks}). {@link io.gantry.runner.deploy.ServiceRollback} rolls a service back
 * on request and after a failed health check. {@link io.gantry.runner.deploy.HealthCheck} probes
 * what a deploy put live, and its settings are recorded on the deployments it judged ({@link
 * io.gantry.runner.deploy.HealthCheckSettings}) so that a rollback runs the same check again.
 * {@link io.gantry.runner.deploy.InterruptedDeploys} concludes the deploys a crash left in
 * progress.
 *
 * <p>It knows nothing of workflow steps: callers hand it their inputs as values ({@link
 * io.gantry.runner.deploy.StepInputs} reads them with the Actions toolkit's rules), a {@link
 * io.gantry.runner.deploy.Progress} for the log and cancel, and get results as values. The only
 * thing it takes from the action API is {@link io.gantry.runner.action.JobDeploys}, the job's
 * record of its deploys that a later health check of the job judges. AWS is reached only through
 * {@code io.gantry.runner.aws}.
 */
package io.gantry.runner.deploy;
