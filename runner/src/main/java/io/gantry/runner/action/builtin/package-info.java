/**
 * The actions that ship with Gantry, one class each, registered by {@link
 * io.gantry.runner.action.builtin.BuiltInActions#registry}. Each reads its step's inputs, does its
 * one job or calls the library that does it ({@code action.image} for {@code gantry/build-image},
 * {@code io.gantry.runner.deploy} for the ECS deploy, the rollback and the health check, {@code
 * io.gantry.runner.deploy.taskdef} for rendering, {@code io.gantry.runner.aws} for STS and ECR),
 * and maps the outcome to an {@link io.gantry.runner.action.ActionResult}.
 */
package io.gantry.runner.action.builtin;
