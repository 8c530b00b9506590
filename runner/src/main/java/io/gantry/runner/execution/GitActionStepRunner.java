package io.gantry.runner.execution;

import io.gantry.runner.action.node.ActionInputs;
import io.gantry.runner.action.node.NodeActionException;
import io.gantry.runner.action.node.NodeActionRunner;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.remote.ActionFetchException;
import io.gantry.runner.action.remote.ActionFetcher;
import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.action.remote.PinnedCommit;
import io.gantry.runner.expression.ExpressionContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the {@code main} of a JavaScript action fetched from git ({@code OWNER/REPO[/PATH]@REF}) or
 * found in the workspace ({@code ./PATH}), after the built-in actions had their turn (see {@link
 * StepRunners#withGitActions}). The process runs as a {@code run:} script's does ({@link
 * StepProcess}: process group, timeout, cancel, output through the step's workflow-command handling
 * and masking); outputs, exported variables and PATH entries go back through the {@link StepCall}.
 *
 * <p>{@code pre} runs at the job's set-up ({@link #pre}; at the start of the step for a local
 * action or a step of a composite action), when {@code pre-if} holds; {@code post} is registered
 * with the step loop ({@link StepCall#addPost}) and runs at the job's end with the state {@code
 * pre} and {@code main} saved. Composite and docker actions are refused with a one-line reason.
 * Input defaults are evaluated against contexts rebuilt from the step's environment ({@code
 * github.token} from {@code GITHUB_TOKEN}, {@code runner.*}, {@code job.status} as success), since
 * a {@link StepCall} does not carry the expression contexts.
 */
public final class GitActionStepRunner implements StepRunner {

  /** {@code github.token} for action defaults when the run has none. */
  static final String NO_TOKEN = "gantry-local-run-has-no-github-token";

  private final Path cacheDir;
  private final ActionSources sources;
  private final NodeActionRunner node;

  /** Why there is no Node.js, when there is none: every JavaScript action step fails with it. */
  private final String nodeProblem;

  /** One fetcher per run (tags resolved once per run), for the last runs only. */
  private final Map<Long, ActionFetcher> fetchers =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ActionFetcher> eldest) {
              return size() > 64;
            }
          });

  /**
   * @param cacheDir the action cache ({@code DATA/actions})
   * @param node the host's Node.js ({@link NodeRuntime#locate})
   */
  public GitActionStepRunner(Path cacheDir, ActionSources sources, NodeRuntime node) {
    this.cacheDir = cacheDir;
    this.sources = sources;
    this.node = new NodeActionRunner(node);
    this.nodeProblem = null;
  }

  private GitActionStepRunner(Path cacheDir, ActionSources sources, String nodeProblem) {
    this.cacheDir = cacheDir;
    this.sources = sources;
    this.node = null;
    this.nodeProblem = nodeProblem;
  }

  /**
   * A runner with the host's Node.js ({@code configured} path, else {@code node}/{@code nodejs} on
   * the PATH); without one, the runner still starts and each JavaScript action step fails with the
   * one-line reason, so workflows without such steps run as before.
   */
  public static GitActionStepRunner locatingNode(
      Path cacheDir, ActionSources sources, String configured) {
    try {
      return new GitActionStepRunner(
          cacheDir, sources, NodeRuntime.locate(configured, System.getenv("PATH")));
    } catch (NodeActionException e) {
      return new GitActionStepRunner(cacheDir, sources, e.getMessage());
    }
  }

  /** The action cache, which job containers mount read-only. */
  Path cacheDir() {
    return cacheDir;
  }

  /** The host's Node.js, or null when there is none. */
  Path hostNode() {
    return node == null ? null : node.node().executable();
  }

  @Override
  public boolean accepts(StepCall step) {
    String uses = step.step().uses();
    if (uses == null || uses.startsWith("docker://")) {
      return false;
    }
    try {
      ActionReference.parse(uses);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public StepEnding run(StepCall step) throws InterruptedException {
    String uses = step.step().uses();
    FetchedAction action;
    try {
      action = resolve(step);
    } catch (ActionFetchException e) {
      return StepEnding.failed(step.step().location() + ": " + e.getMessage().replace('\n', ' '));
    }
    if (action.manifest().runs() instanceof ActionManifest.DockerRuns docker) {
      try {
        ActionInputs inputs = ActionInputs.resolve(action.manifest(), step.with(), context(step));
        inputs.warnings().forEach(w -> step.log("::warning::" + w));
        if (docker.preEntrypoint() != null && step.preState() == null) {
          // not run at set-up (a local action, a step of a composite action): at its own step
          step.system("Pre " + uses);
          StepEnding pre =
              DockerActionStepRunner.runAction(
                  step, action.directory(), docker, inputs, DockerActionStepRunner.Phase.PRE);
          if (!(pre instanceof StepEnding.Succeeded)) {
            return pre;
          }
        }
        step.system("Run " + uses);
        StepEnding main =
            DockerActionStepRunner.runAction(step, action.directory(), docker, inputs);
        if (docker.postEntrypoint() != null) {
          step.addPost(
              "always()",
              post -> {
                post.system("Post job cleanup: " + uses);
                return DockerActionStepRunner.runAction(
                    post, action.directory(), docker, inputs, DockerActionStepRunner.Phase.POST);
              });
        }
        return main;
      } catch (NodeActionException e) {
        return StepEnding.failed(step.step().location() + ": " + e.getMessage());
      }
    }
    if (!(action.manifest().runs() instanceof ActionManifest.NodeRuns)) {
      return StepEnding.failed(
          step.step().location()
              + ": "
              + uses
              + " is a "
              + (action.manifest().runs() instanceof ActionManifest.CompositeRuns
                  ? "composite"
                  : "docker")
              + " action; Gantry runs only JavaScript actions from git so far");
    }
    ActionManifest.NodeRuns runs = (ActionManifest.NodeRuns) action.manifest().runs();
    if (node == null) {
      return StepEnding.failed(step.step().location() + ": " + uses + ": " + nodeProblem);
    }
    if (step.request().isolation().inContainer() && step.jobContainer() == null) {
      return StepEnding.failed(
          step.step().location()
              + ": "
              + uses
              + " is a JavaScript action, which would run on the host; this repository's"
              + " isolation (gantry.yml runner.isolation: container) forbids that");
    }
    try {
      ActionInputs inputs = ActionInputs.resolve(action.manifest(), step.with(), context(step));
      inputs.warnings().forEach(w -> step.log("::warning::" + w));
      Path files = Files.createDirectories(step.stepFiles().resolve(step.number() + ".action"));
      Map<String, String> state = new HashMap<>();
      Map<String, String> preState = step.preState();
      if (preState != null) {
        state.putAll(preState); // pre ran at the job's set-up (see pre(StepCall))
      } else if (runs.pre() != null) {
        // Not run at set-up (a local action, a step inside a composite action): pre runs at the
        // start of its own step, which keeps the order pre → main → post for the action.
        if (NodeActionRunner.shouldRun(runs, NodeActionRunner.Phase.PRE, context(step))) {
          step.system("Pre " + uses);
          StepEnding pre =
              phase(step, action, inputs, NodeActionRunner.Phase.PRE, files, state, false);
          if (!(pre instanceof StepEnding.Succeeded)) {
            return pre;
          }
        }
      }
      step.system("Run " + uses);
      StepEnding main =
          phase(step, action, inputs, NodeActionRunner.Phase.MAIN, files, state, true);
      if (runs.post() != null) {
        Map<String, String> saved = Map.copyOf(state);
        step.addPost(
            runs.postIf(),
            post -> {
              post.system("Post job cleanup: " + uses);
              return phase(
                  post,
                  action,
                  inputs,
                  NodeActionRunner.Phase.POST,
                  files,
                  new HashMap<>(saved),
                  false);
            });
      }
      return main;
    } catch (NodeActionException e) {
      return StepEnding.failed(step.step().location() + ": " + e.getMessage());
    } catch (io.gantry.runner.expression.ExpressionException e) {
      return StepEnding.failed(step.step().location() + ": pre-if: " + e.getMessage());
    } catch (IOException e) {
      return StepEnding.failed("cannot run " + uses + ": " + e.getMessage());
    } catch (io.gantry.runner.container.ContainerException e) {
      // in a job container that cannot reach the job's runtime services
      return StepEnding.failed(DockerActionStepRunner.unreachable(step, e));
    }
  }

  /**
   * Runs the {@code pre} of a JavaScript action from a repository at the job's set-up (when {@code
   * pre-if} holds), its lines in the set-up's log, and records the state it saved for {@code main}
   * and {@code post}. Null, leaving everything to the step, for actions of the workspace (not there
   * before {@code actions/checkout} runs; GitHub's runner does not run their {@code pre} at set-up
   * either), composite actions, actions without {@code pre}, and actions that cannot be fetched or
   * run (the step reports why). A docker action's {@code pre-entrypoint} runs here the same way.
   */
  @Override
  public StepEnding pre(StepCall step) throws InterruptedException {
    String uses = step.step().uses();
    FetchedAction action;
    try {
      if (!accepts(step) || ActionReference.parse(uses).kind() != ActionReference.Kind.REMOTE) {
        return null;
      }
      action = resolve(step);
    } catch (ActionFetchException | IllegalArgumentException e) {
      return null;
    }
    if (action.manifest().runs() instanceof ActionManifest.DockerRuns docker
        && docker.preEntrypoint() != null) {
      try {
        ActionInputs inputs = ActionInputs.resolve(action.manifest(), step.with(), context(step));
        step.system("Pre " + uses);
        StepEnding pre =
            DockerActionStepRunner.runAction(
                step, action.directory(), docker, inputs, DockerActionStepRunner.Phase.PRE);
        step.preRan(Map.of());
        return pre;
      } catch (NodeActionException e) {
        return StepEnding.failed(step.step().location() + ": " + e.getMessage());
      }
    }
    if (!(action.manifest().runs() instanceof ActionManifest.NodeRuns runs)
        || runs.pre() == null
        || node == null) {
      return null;
    }
    try {
      Map<String, String> state = new HashMap<>();
      if (!NodeActionRunner.shouldRun(runs, NodeActionRunner.Phase.PRE, context(step))) {
        step.preRan(state);
        return null;
      }
      ActionInputs inputs = ActionInputs.resolve(action.manifest(), step.with(), context(step));
      Path files = Files.createDirectories(step.stepFiles().resolve(step.number() + ".action"));
      step.system("Pre " + uses);
      StepEnding pre = phase(step, action, inputs, NodeActionRunner.Phase.PRE, files, state, false);
      step.preRan(state);
      return pre;
    } catch (NodeActionException e) {
      return StepEnding.failed(step.step().location() + ": " + e.getMessage());
    } catch (io.gantry.runner.expression.ExpressionException e) {
      return StepEnding.failed(step.step().location() + ": pre-if: " + e.getMessage());
    } catch (IOException e) {
      return StepEnding.failed("cannot run the pre of " + uses + ": " + e.getMessage());
    } catch (io.gantry.runner.container.ContainerException e) {
      // in a job container that cannot reach the job's runtime services
      return StepEnding.failed(DockerActionStepRunner.unreachable(step, e));
    }
  }

  /**
   * The action a step names, fetched (one {@link ActionFetcher} per run) or read from the workspace
   * ({@code ./PATH}). Also used by {@link CompositeStepRunner} to tell composite actions from the
   * others.
   */
  FetchedAction resolve(StepCall step) throws ActionFetchException {
    ActionReference reference;
    try {
      reference = ActionReference.parse(step.step().uses());
    } catch (IllegalArgumentException e) {
      throw new ActionFetchException(e.getMessage());
    }
    if (reference.kind() == ActionReference.Kind.LOCAL) {
      return LocalActions.read(step.workspace(), reference);
    }
    return fetchers
        .computeIfAbsent(step.runId(), id -> new ActionFetcher(cacheDir, sources))
        .fetch(reference);
  }

  /** Which release a commit pin is, through the run's fetcher ({@link ActionFetcher#pin}). */
  PinnedCommit pin(StepCall step, ActionReference reference) {
    return fetchers
        .computeIfAbsent(step.runId(), id -> new ActionFetcher(cacheDir, sources))
        .pin(reference);
  }

  /**
   * The files of a repository at the commit {@code reference}'s ref names, through the run's
   * fetcher: how a reusable workflow of another repository is found ({@link CalledWorkflow}).
   */
  Path tree(long runId, ActionReference reference) throws ActionFetchException {
    return fetchers
        .computeIfAbsent(runId, id -> new ActionFetcher(cacheDir, sources))
        .tree(reference);
  }

  /**
   * Runs one phase of the action as a process of the step; {@code state} is updated with what it
   * saved. Outputs are kept only from {@code main}.
   */
  private StepEnding phase(
      StepCall step,
      FetchedAction action,
      ActionInputs inputs,
      NodeActionRunner.Phase phase,
      Path files,
      Map<String, String> state,
      boolean keepOutputs)
      throws NodeActionException, IOException, InterruptedException {
    StepProcess.Outcome[] outcome = new StepProcess.Outcome[1];
    String suffix = phase.name().toLowerCase(java.util.Locale.ROOT);
    Map<String, String> env = new LinkedHashMap<>(step.env());
    NodeActionRunner.NodeStep nodeStep =
        new NodeActionRunner.NodeStep(
            action, phase, inputs, env, step.workingDirectory(), files, Map.copyOf(state));
    NodeActionRunner.NodeResult result =
        node.run(
            nodeStep,
            step.jobContainer() != null
                ? ContainerExec.nodeLauncher(
                    step, step.jobContainer(), files.resolve(suffix + ".stdout"), outcome)
                : (command, cwd, environment) -> {
                  outcome[0] =
                      StepProcess.run(
                          command,
                          cwd,
                          environment,
                          files.resolve(suffix + ".stdout"),
                          step.deadline(),
                          step::stopRequested,
                          step.killGracePeriod(),
                          step::processStarted,
                          step::log);
                  return outcome[0].exitCode();
                });
    result.warnings().stream()
        .filter(w -> !inputs.warnings().contains(w))
        .forEach(w -> step.log("::warning::" + w));
    state.putAll(result.state());
    if (keepOutputs) {
      result.outputs().forEach(step::setOutput);
    }
    result.exportedEnv().forEach(step::exportVariable);
    result.paths().forEach(step::addPath);
    if (outcome[0] != null && outcome[0].ending() == StepProcess.Ending.TIMED_OUT) {
      return StepEnding.timedOut();
    }
    if (outcome[0] != null && outcome[0].ending() == StepProcess.Ending.CANCELLED) {
      return StepEnding.cancelled("the step was cancelled");
    }
    if (result.error() != null) {
      return StepEnding.failed(result.error());
    }
    return result.exitCode() == 0
        ? StepEnding.succeeded()
        : StepEnding.failed("Process completed with exit code " + result.exitCode() + ".");
  }

  private static ExpressionContext context(StepCall step) {
    Map<String, String> env = step.env();
    Map<String, Object> github = new HashMap<>();
    // GitHub always has a job token; a local run has none unless given (secret GITHUB_TOKEN).
    // Actions that require one as an input (github-script's github-token) get a placeholder that
    // no API accepts, rather than failing before they start.
    String token = env.getOrDefault("GITHUB_TOKEN", "");
    if (token.isEmpty()) {
      token = step.request().secrets().getOrDefault("GITHUB_TOKEN", "");
    }
    github.put("token", token.isEmpty() ? NO_TOKEN : token);
    github.put("repository", env.getOrDefault("GITHUB_REPOSITORY", ""));
    github.put("ref", env.getOrDefault("GITHUB_REF", ""));
    github.put("sha", env.getOrDefault("GITHUB_SHA", ""));
    github.put("workspace", step.workspace().toString());
    Map<String, Object> runner = new HashMap<>();
    runner.put("os", env.getOrDefault("RUNNER_OS", "Linux"));
    runner.put("arch", env.getOrDefault("RUNNER_ARCH", "X64"));
    runner.put("debug", env.getOrDefault("RUNNER_DEBUG", ""));
    runner.put("temp", env.getOrDefault("RUNNER_TEMP", ""));
    runner.put("tool_cache", env.getOrDefault("RUNNER_TOOL_CACHE", ""));
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", github);
    contexts.put("runner", runner);
    contexts.put("env", new HashMap<String, Object>(env));
    contexts.put("job", Map.of("status", "success"));
    return new ExpressionContext(
        contexts, ExpressionContext.JobStatus.SUCCEEDING, step.workspace());
  }
}
