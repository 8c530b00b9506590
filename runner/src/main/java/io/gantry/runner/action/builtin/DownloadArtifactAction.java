package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.artifact.ArtifactException;
import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.artifact.RunArtifacts;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code actions/download-artifact} (v3–v7): the run's artifacts ({@link ArtifactStore}), checked
 * against their SHA-256 and extracted into {@code path} (the workspace by default; it must stay
 * inside it). With {@code name} one artifact goes straight into {@code path}; without it every
 * artifact of the run, or those whose name matches {@code pattern} or whose id {@code artifact-ids}
 * lists, each into {@code path/NAME}, or all into {@code path} with {@code merge-multiple: true}.
 * {@code run-id} reads another run of the same repository. Output {@code download-path}.
 */
final class DownloadArtifactAction implements Action {

  static final String NAME = "actions/download-artifact";

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
    inputs.put("name", null);
    inputs.put("artifact-ids", null);
    inputs.put("path", "");
    inputs.put("pattern", null);
    inputs.put("merge-multiple", "false");
    inputs.put("github-token", null);
    inputs.put("repository", null);
    inputs.put("run-id", null);
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of();
  }

  @Override
  public ActionResult run(ActionContext context) throws IOException {
    RunArtifacts artifacts = context.artifacts();
    if (artifacts == null || context.runId() <= 0) {
      return failure("artifacts are kept only for runs of the executor");
    }
    try {
      String repository = context.env().getOrDefault("GITHUB_REPOSITORY", "");
      String asked = context.input("repository").strip();
      if (!asked.isEmpty() && !asked.equals(repository)) {
        throw new ArtifactException(
            "repository is '"
                + asked
                + "'; only the artifacts of this run's repository ("
                + repository
                + ") can be downloaded");
      }
      long runId = runId(context);
      String name = context.input("name").strip();
      String ids = context.input("artifact-ids").strip();
      if (!name.isEmpty() && !ids.isEmpty()) {
        throw new ArtifactException("give either 'name' or 'artifact-ids', not both");
      }
      Path target = target(context);
      List<Artifact> chosen;
      boolean single = !name.isEmpty();
      if (single) {
        Optional<Artifact> found = artifacts.find(runId, name);
        if (found.isEmpty()) {
          throw new ArtifactException(
              "no artifact named '"
                  + name
                  + "' in run "
                  + runId
                  + " (it has: "
                  + names(artifacts.list(runId))
                  + "); check the name, and that the uploading job ran before this one (needs:)"
                  + " and the artifact has not expired");
        }
        chosen = List.of(found.get());
      } else {
        chosen = choose(artifacts.list(runId), ids, context.input("pattern").strip());
      }
      for (Artifact artifact : chosen) {
        if (!artifact.repository().equals(repository)) {
          throw new ArtifactException(
              "run " + runId + " belongs to " + artifact.repository() + ", not " + repository);
        }
      }
      boolean merge = UploadArtifactAction.flag(context, "merge-multiple");
      context.log(
          chosen.isEmpty()
              ? "No artifacts to download"
              : "Found " + chosen.size() + " artifact(s): " + names(chosen));
      for (Artifact artifact : chosen) {
        Path into = single || merge ? target : target.resolve(artifact.name());
        int files = artifacts.extract(artifact, into);
        context.log(
            "Artifact '"
                + artifact.name()
                + "' (id "
                + artifact.id()
                + ", "
                + files
                + " file(s), SHA-256 "
                + artifact.digest()
                + ") downloaded to "
                + into);
      }
      context.log("Total of " + chosen.size() + " artifact(s) downloaded");
      context.setOutput("download-path", target.toString());
      return ActionResult.ok();
    } catch (ArtifactException e) {
      return failure(e.getMessage());
    }
  }

  private static long runId(ActionContext context) throws ArtifactException {
    String text = context.input("run-id").strip();
    if (text.isEmpty()) {
      return context.runId();
    }
    try {
      long id = Long.parseLong(text);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ArtifactException("run-id is '" + text + "'; give a run's number id");
  }

  private static Path target(ActionContext context) throws ArtifactException {
    Path workspace = context.workspace().toAbsolutePath().normalize();
    String path = context.input("path").strip();
    if (path.equals("~") || path.startsWith("~/")) {
      path = System.getProperty("user.home") + path.substring(1);
    }
    Path target = workspace.resolve(path).normalize();
    if (!target.startsWith(workspace)) {
      throw new ArtifactException(
          "path '"
              + context.input("path").strip()
              + "' is outside the workspace "
              + workspace
              + "; download into the workspace");
    }
    return target;
  }

  private static List<Artifact> choose(List<Artifact> all, String ids, String pattern)
      throws ArtifactException {
    if (!ids.isEmpty()) {
      List<Artifact> chosen = new ArrayList<>();
      for (String id : ids.split(",")) {
        String text = id.strip();
        Optional<Artifact> found =
            all.stream().filter(a -> Long.toString(a.id()).equals(text)).findFirst();
        if (found.isEmpty()) {
          throw new ArtifactException(
              "artifact-ids names '" + text + "', which is no artifact of the run");
        }
        chosen.add(found.get());
      }
      return chosen;
    }
    if (pattern.isEmpty()) {
      return all;
    }
    PathMatcher matcher;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    } catch (IllegalArgumentException e) {
      throw new ArtifactException("pattern '" + pattern + "' is no glob: " + e.getMessage());
    }
    return all.stream().filter(a -> matcher.matches(Path.of(a.name()))).toList();
  }

  private static String names(List<Artifact> artifacts) {
    return artifacts.isEmpty()
        ? "none"
        : artifacts.stream().map(Artifact::name).collect(Collectors.joining(", "));
  }

  private static ActionResult failure(String message) {
    return ActionResult.failure(NAME + ": " + message);
  }
}
