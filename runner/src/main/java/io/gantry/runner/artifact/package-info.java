/**
 * Artifacts: what {@code actions/upload-artifact} keeps of a run and {@code
 * actions/download-artifact} gives back, for the jobs of the run, the REST API and {@code gantry
 * artifacts}. {@link io.gantry.runner.artifact.ArtifactStore} is the entry point: files chosen by
 * the action's {@code path} globs ({@code ArtifactPaths}, GitHub's {@code @actions/glob} rules),
 * streamed into one zip per artifact under {@code DATA/artifacts/RUN/} ({@code ZipFiles}: bounded,
 * SHA-256 digest on the way, extraction checked against the digest and kept inside its folder), the
 * rows in the store ({@link io.gantry.runner.store.ArtifactRecords}), and the retention sweep.
 * Depends on {@code store} and {@code files} only.
 */
package io.gantry.runner.artifact;
