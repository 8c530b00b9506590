package io.gantry.runner.execution;

import io.gantry.runner.action.remote.ActionFetchException;
import io.gantry.runner.action.remote.ActionManifests;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.FetchedAction;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An action of the workspace ({@code uses: ./PATH}): its folder below {@code GITHUB_WORKSPACE}
 * (what {@code actions/checkout} put there), with its {@code action.yml} or {@code action.yaml}.
 * Any kind runs from there (JavaScript, composite); the folder is read at each step, so an action
 * an earlier step wrote is found.
 */
final class LocalActions {

  private LocalActions() {}

  static FetchedAction read(Path workspace, ActionReference reference) throws ActionFetchException {
    Path root = workspace.toAbsolutePath().normalize();
    Path dir = root.resolve(reference.path()).normalize();
    if (!dir.startsWith(root)) {
      throw new ActionFetchException(
          reference + " leaves the workspace; a local action is ./PATH inside it");
    }
    if (!Files.isDirectory(dir)) {
      throw new ActionFetchException(
          reference
              + " is not a folder of the workspace; check the repository out first"
              + " (uses: actions/checkout) or fix the path");
    }
    if (!Files.isRegularFile(dir.resolve("action.yml"))
        && !Files.isRegularFile(dir.resolve("action.yaml"))) {
      throw new ActionFetchException(
          reference + " has no action.yml or action.yaml; a local action's folder needs one");
    }
    return new FetchedAction(
        reference, null, dir, ActionManifests.read(dir, reference.toString(), reference.path()));
  }
}
