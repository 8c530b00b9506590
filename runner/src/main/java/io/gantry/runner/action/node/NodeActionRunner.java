package io.gantry.runner.action.node;

import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.command.FileCommands;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the {@code pre}, {@code main} and {@code post} scripts of a JavaScript action ({@code
 * runs.using: node12|16|20|24}) with the host's Node.js, as GitHub's runner does: inputs as {@code
 * INPUT_*}, {@code GITHUB_ACTION_PATH}, the file commands ({@code GITHUB_OUTPUT}, {@code
 * GITHUB_ENV}, {@code GITHUB_PATH}, {@code GITHUB_STATE}, {@code GITHUB_STEP_SUMMARY}) in the
 * step's own folder and read back with the same {@link FileCommands} as {@code run:} steps; the
 * state saved by one phase is {@code STATE_*} in the later ones.
 *
 * <p>One instance per run: an action declaring a newer Node.js major than the host's runs on the
 * host's with a warning, once per run. Thread-safe (jobs run in parallel).
 */
public final class NodeActionRunner {

  /** Which script of the action. */
  public enum Phase {
    PRE,
    MAIN,
    POST
  }

  /**
   * One phase of one step.
   *
   * @param action the fetched action; its runs must be {@link ActionManifest.NodeRuns}
   * @param inputs the resolved inputs ({@link ActionInputs#resolve})
   * @param environment the step's environment (PATH, HOME, GITHUB_*, RUNNER_*, env: ...)
   * @param workingDirectory the workspace
   * @param stepDirectory an empty folder of this step's own for the command files
   * @param state what earlier phases of the same step saved ({@link NodeResult#state})
   */
  public record NodeStep(
      FetchedAction action,
      Phase phase,
      ActionInputs inputs,
      Map<String, String> environment,
      Path workingDirectory,
      Path stepDirectory,
      Map<String, String> state) {}

  /**
   * What a phase left.
   *
   * @param exitCode the script's exit code; 0 is success
   * @param outputs from {@code GITHUB_OUTPUT}
   * @param exportedEnv from {@code GITHUB_ENV}, for the job's later steps
   * @param paths from {@code GITHUB_PATH}, prepended to PATH for the later steps
   * @param state the state after this phase (earlier phases' plus {@code GITHUB_STATE})
   * @param summary the {@code GITHUB_STEP_SUMMARY} file (may be absent or empty)
   * @param warnings runner messages for the step's log (inputs, Node.js version)
   * @param error when the file commands could not be read: the step fails with this; else null
   */
  public record NodeResult(
      int exitCode,
      Map<String, String> outputs,
      Map<String, String> exportedEnv,
      List<String> paths,
      Map<String, String> state,
      Path summary,
      List<String> warnings,
      String error) {

    public boolean succeeded() {
      return exitCode == 0 && error == null;
    }
  }

  private final NodeRuntime node;
  private final Set<String> warnedVersions = ConcurrentHashMap.newKeySet();

  public NodeActionRunner(NodeRuntime node) {
    this.node = node;
  }

  public NodeRuntime node() {
    return node;
  }

  /** The script of a phase, or null when the action has none (no pre, no post). */
  public static String script(ActionManifest.NodeRuns runs, Phase phase) {
    return switch (phase) {
      case PRE -> runs.pre();
      case MAIN -> runs.main();
      case POST -> runs.post();
    };
  }

  /**
   * Whether the {@code pre} or {@code post} phase runs, from {@code pre-if} / {@code post-if}
   * (default {@code always()}) in the job's status; {@code main} follows the step's {@code if:}.
   */
  public static boolean shouldRun(
      ActionManifest.NodeRuns runs, Phase phase, ExpressionContext context)
      throws ExpressionException {
    if (script(runs, phase) == null) {
      return false;
    }
    return switch (phase) {
      case PRE -> Expressions.condition(runs.preIf(), context);
      case POST -> Expressions.condition(runs.postIf(), context);
      case MAIN -> true;
    };
  }

  /** Runs one phase through the launcher and reads its file commands back. */
  public NodeResult run(NodeStep step, ProcessLauncher launcher)
      throws NodeActionException, IOException, InterruptedException {
    if (!(step.action().manifest().runs() instanceof ActionManifest.NodeRuns runs)) {
      throw new IllegalArgumentException(step.action().reference() + " is not a node action");
    }
    String script = script(runs, step.phase());
    if (script == null) {
      throw new IllegalArgumentException(
          step.action().reference() + " has no " + step.phase().name().toLowerCase(Locale.ROOT));
    }
    Path scriptFile = step.action().directory().resolve(script).normalize();
    if (!scriptFile.startsWith(step.action().directory()) || !Files.isRegularFile(scriptFile)) {
      throw new NodeActionException(
          step.action().manifest().file()
              + ": runs."
              + step.phase().name().toLowerCase(Locale.ROOT)
              + " '"
              + script
              + "' is not a file of the action");
    }
    List<String> warnings = new ArrayList<>(step.inputs().warnings());
    if (runs.nodeMajor() > node.major()
        && warnedVersions.add(step.action().reference().repository() + "@" + runs.nodeMajor())) {
      warnings.add(
          step.action().reference()
              + " declares node"
              + runs.nodeMajor()
              + "; running it on"
              + " Node.js "
              + node.version()
              + " ("
              + node.executable()
              + "), the newest here");
    }

    Path dir = step.stepDirectory();
    Files.createDirectories(dir);
    String suffix = step.phase().name().toLowerCase(Locale.ROOT);
    Path output = touch(dir.resolve("output-" + suffix));
    Path envFile = touch(dir.resolve("env-" + suffix));
    Path pathFile = touch(dir.resolve("path-" + suffix));
    Path stateFile = touch(dir.resolve("state-" + suffix));
    Path summary = touch(dir.resolve("summary-" + suffix + ".md"));

    Map<String, String> env = new LinkedHashMap<>(step.environment());
    step.state().forEach((name, value) -> env.put("STATE_" + name, value));
    env.putAll(step.inputs().environment());
    env.put("GITHUB_ACTION_PATH", step.action().directory().toString());
    if (step.action().reference().kind() == ActionReference.Kind.REMOTE) {
      env.put("GITHUB_ACTION_REPOSITORY", step.action().reference().repository());
      env.put("GITHUB_ACTION_REF", step.action().reference().ref());
    }
    env.put("GITHUB_OUTPUT", output.toString());
    env.put("GITHUB_ENV", envFile.toString());
    env.put("GITHUB_PATH", pathFile.toString());
    env.put("GITHUB_STATE", stateFile.toString());
    env.put("GITHUB_STEP_SUMMARY", summary.toString());

    int exit =
        launcher.run(
            List.of(node.executable().toString(), scriptFile.toString()),
            step.workingDirectory(),
            env);

    Map<String, String> outputs = Map.of();
    Map<String, String> exported = Map.of();
    List<String> paths = List.of();
    Map<String, String> state = new LinkedHashMap<>(step.state());
    String error = null;
    try {
      outputs = FileCommands.readPairs(output, "GITHUB_OUTPUT");
      exported = FileCommands.readPairs(envFile, "GITHUB_ENV");
      paths = FileCommands.readPaths(pathFile);
      state.putAll(FileCommands.readPairs(stateFile, "GITHUB_STATE"));
    } catch (FileCommands.FormatException e) {
      error = e.getMessage();
    }
    return new NodeResult(exit, outputs, exported, paths, state, summary, warnings, error);
  }

  private static Path touch(Path file) throws IOException {
    Files.deleteIfExists(file);
    return Files.createFile(file);
  }
}
