package io.gantry.runner.action.remote;

import io.gantry.runner.workflow.Location;
import java.util.List;
import java.util.Map;

/**
 * An action's {@code action.yml}, as far as running it needs.
 *
 * @param file where it was read from, for messages ({@code OWNER/REPO@REF/action.yml})
 * @param inputs by name, in file order
 * @param outputs by name, in file order
 */
public record ActionManifest(
    String file,
    String name,
    String description,
    Map<String, Input> inputs,
    Map<String, Output> outputs,
    Runs runs) {

  /**
   * @param defaultValue may hold {@code ${{ }}} expressions, evaluated when the step runs; null
   *     when there is none
   * @param deprecationMessage shown when the input is given; null when not deprecated
   */
  public record Input(
      String description, boolean required, String defaultValue, String deprecationMessage) {}

  /**
   * @param value a composite action's output expression; null for other kinds
   */
  public record Output(String description, String value) {}

  /** How the action runs ({@code runs:}). */
  public sealed interface Runs permits NodeRuns, CompositeRuns, DockerRuns {}

  /**
   * {@code using: node12|node16|node20|node24}.
   *
   * @param nodeMajor the declared major (12, 16, 20 or 24)
   * @param main the script, relative to the action's folder
   * @param pre the script run before the job's steps, or null
   * @param preIf its condition, {@code always()} by default as on GitHub
   * @param post the script run at the job's end, or null
   * @param postIf its condition, {@code always()} by default as on GitHub
   */
  public record NodeRuns(
      int nodeMajor, String main, String pre, String preIf, String post, String postIf)
      implements Runs {}

  /**
   * {@code using: composite}: its steps, read as plain data (maps, lists, strings) with where each
   * starts, for the step loop to run as part of the job.
   */
  public record CompositeRuns(List<CompositeStep> steps) implements Runs {}

  /** One step of a composite action: its YAML mapping as plain data, and its place. */
  public record CompositeStep(Map<String, Object> fields, Location location) {}

  /**
   * {@code using: docker}.
   *
   * @param image {@code docker://IMAGE} or a Dockerfile path relative to the action's folder
   * @param entrypoint may be null
   * @param args may be empty
   * @param env by name
   */
  public record DockerRuns(
      String image,
      String entrypoint,
      List<String> args,
      Map<String, String> env,
      String preEntrypoint,
      String postEntrypoint)
      implements Runs {}
}
