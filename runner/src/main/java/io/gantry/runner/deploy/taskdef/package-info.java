/**
 * ECS task definitions as files: {@link io.gantry.runner.deploy.taskdef.TaskDefinitionTemplate}
 * substitutes {@code ${NAME}} / {@code ${NAME:-default}} in a file's text, {@link
 * io.gantry.runner.deploy.taskdef.TaskDefinitionShape} checks a definition against the ECS SDK's
 * RegisterTaskDefinition model, and {@link io.gantry.runner.deploy.taskdef.TaskDefinitionFiles}
 * reads a file into a request.
 *
 * <p>A package of its own under {@code deploy} rather than classes of it: rendering makes no AWS
 * call and needs nothing of a deploy (no history, lock or client), yet both the render action and
 * the deploy (reading the task definition and the service definition files) use it. Kept apart, it
 * is a leaf that depends only on {@code aws} (for {@link io.gantry.runner.aws.AwsProblem}) and the
 * SDK's model, and the render action does not reach into the deploy engine.
 */
package io.gantry.runner.deploy.taskdef;
