/**
 * Daemonless container image builds for {@code gantry/build-image}: the action's inputs read into
 * an {@link io.gantry.runner.action.image.ImageRequest} ({@link
 * io.gantry.runner.action.image.ImageInputs}), registry credentials looked up in a fixed order
 * ({@link io.gantry.runner.action.image.RegistryCredentials}), and the build and push with Jib core
 * ({@link io.gantry.runner.action.image.ImageBuilder}). {@link
 * io.gantry.runner.action.image.JavaRuntimeBase} assembles a Java runtime base image from the
 * installed JDK for machines that cannot pull one. No Jib type appears in a public signature.
 */
package io.gantry.runner.action.image;
