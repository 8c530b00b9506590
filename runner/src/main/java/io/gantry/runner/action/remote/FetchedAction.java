package io.gantry.runner.action.remote;

import java.nio.file.Path;

/**
 * An action ready to run: its files on disk and its {@code action.yml}.
 *
 * @param reference what the step asked for
 * @param commit the resolved 40-hex commit (null for a local action)
 * @param directory the action's folder ({@code GITHUB_ACTION_PATH}): the repository's files at
 *     {@code commit}, below the reference's path; read-only by convention, shared between runs
 * @param manifest its {@code action.yml}
 */
public record FetchedAction(
    ActionReference reference, String commit, Path directory, ActionManifest manifest) {}
