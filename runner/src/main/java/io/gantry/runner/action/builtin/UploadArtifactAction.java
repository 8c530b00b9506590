package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.artifact.ArtifactException;
import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.artifact.RunArtifacts;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code actions/upload-artifact} (v3–v7, with v4's rules: an artifact is immutable, and a second
 * upload of a name in the same run fails unless {@code overwrite: true}): the files {@code path:}
 * names, zipped into the run's artifacts in the data directory ({@link ArtifactStore}), where the
 * run's other jobs download them and the REST API serves them. Outputs {@code artifact-id}, {@code
 * artifact-url} and {@code artifact-digest} (the zip's SHA-256), as GitHub documents them.
 */
final class UploadArtifactAction implements Action {

  static final String NAME = "actions/upload-artifact";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v3", "v4", "v5", "v6", "v7");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("name", "artifact");
    inputs.put("path", null);
    inputs.put("if-no-files-found", "warn");
    inputs.put("retention-days", "0");
    inputs.put("compression-level", "6");
    inputs.put("overwrite", "false");
    inputs.put("include-hidden-files", "false");
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("path");
  }

  @Override
  public ActionResult run(ActionContext context) throws IOException {
    RunArtifacts artifacts = context.artifacts();
    if (artifacts == null || context.runId() <= 0) {
      return failure("artifacts are kept only for runs of the executor");
    }
    String name = context.input("name").strip();
    String ifNone = context.input("if-no-files-found").strip().toLowerCase(Locale.ROOT);
    if (!Set.of("warn", "error", "ignore").contains(ifNone)) {
      return failure(
          "if-no-files-found is '"
              + context.input("if-no-files-found")
              + "'; give warn, error or ignore");
    }
    try {
      int retention = number(context, "retention-days");
      int level = number(context, "compression-level");
      boolean overwrite = flag(context, "overwrite");
      boolean hidden = flag(context, "include-hidden-files");
      String problem = io.gantry.runner.artifact.ArtifactNames.problem(name);
      if (problem != null) {
        return failure(problem);
      }
      ArtifactStore.Selection files =
          artifacts.select(context.workspace(), context.input("path"), hidden);
      if (files.files().isEmpty()) {
        String message =
            "No files were found with the provided path: "
                + context.input("path").strip().replace("\n", ", ")
                + ". No artifacts will be uploaded.";
        switch (ifNone) {
          case "error":
            return failure(message);
          case "warn":
            context.log("Warning: " + message);
            return ActionResult.ok();
          default:
            context.log(message);
            return ActionResult.ok();
        }
      }
      Artifact artifact =
          artifacts.upload(
              new ArtifactStore.Upload(
                  context.runId(),
                  context.env().getOrDefault("GITHUB_JOB", ""),
                  name,
                  files,
                  level,
                  retention,
                  overwrite),
              context::log);
      String url = artifacts.urlOf(artifact);
      context.log("SHA256 digest of uploaded artifact zip is " + artifact.digest());
      context.log(
          "Artifact "
              + artifact.name()
              + " has been successfully uploaded! Final size is "
              + artifact.sizeBytes()
              + " bytes. Artifact ID is "
              + artifact.id());
      context.log("Artifact download URL: " + url);
      context.setOutput("artifact-id", Long.toString(artifact.id()));
      context.setOutput("artifact-url", url);
      context.setOutput("artifact-digest", artifact.digest());
      return ActionResult.ok();
    } catch (ArtifactException e) {
      return failure(e.getMessage());
    }
  }

  private static ActionResult failure(String message) {
    return ActionResult.failure(NAME + ": " + message);
  }

  static int number(ActionContext context, String input) throws ArtifactException {
    String text = context.input(input).strip();
    if (text.isEmpty()) {
      return 0;
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ArtifactException(input + " is '" + text + "'; give a whole number");
    }
  }

  static boolean flag(ActionContext context, String input) throws ArtifactException {
    String text = context.input(input).strip().toLowerCase(Locale.ROOT);
    if (text.isEmpty() || text.equals("false")) {
      return false;
    }
    if (text.equals("true")) {
      return true;
    }
    throw new ArtifactException(input + " is '" + context.input(input) + "'; give true or false");
  }
}
