package io.gantry.runner.execution;

import io.gantry.runner.action.node.ActionInputs;
import io.gantry.runner.action.remote.ActionManifest;
import io.gantry.runner.container.ActionContainer;
import io.gantry.runner.container.ContainerException;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.files.PrivateFiles;
import io.gantry.runner.workflow.ContainerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker container actions on Podman: a step's {@code uses: docker://IMAGE} (with {@code with:
 * args} and {@code entrypoint}, the other inputs as {@code INPUT_*}), and, called by {@link
 * GitActionStepRunner}, actions whose {@code action.yml} says {@code runs.using: docker} with
 * {@code image: docker://…} or a {@code Dockerfile} built with Podman ({@code args} and {@code env}
 * evaluated with the {@code inputs} context; {@code with: args}/{@code entrypoint} override them,
 * as on GitHub), with their {@code pre-entrypoint} at the job's set-up and {@code post-entrypoint}
 * at its end in the same image. One container per step and phase ({@link ActionContainer}), on the
 * job's network when the job has services or a job container (the runtime services' loopback URLs
 * turned into the network's way to them, {@link StepCall#reachableFromJobNetwork}), else on the
 * host's network, as the job's {@code run:} steps; timeouts and cancel remove it.
 */
final class DockerActionStepRunner implements StepRunner {

  @Override
  public boolean accepts(StepCall step) {
    return step.step().uses() != null && step.step().uses().startsWith("docker://");
  }

  @Override
  public StepEnding run(StepCall step) throws InterruptedException {
    String image = step.step().uses().substring("docker://".length());
    step.system("Run " + step.step().uses());
    Map<String, String> with = new LinkedHashMap<>(step.with());
    String entrypoint = with.remove("entrypoint");
    String argsText = with.remove("args");
    Map<String, String> inputs = new LinkedHashMap<>();
    with.forEach((k, v) -> inputs.put(ActionInputs.variable(k), v));
    try {
      List<String> args = argsText == null ? List.of() : ContainerOptions.words(argsText);
      ActionContainer containers = new ActionContainer(dataDir(step));
      containers.pull(image, step::system);
      return runContainer(step, containers, image, entrypoint, args, inputs);
    } catch (ContainerOptions.OptionsException e) {
      return StepEnding.failed(step.step().location() + ": with.args: " + e.getMessage());
    } catch (ContainerException e) {
      return StepEnding.failed(step.step().uses() + ": " + e.getMessage());
    }
  }

  /** Which entrypoint of a docker action runs. */
  enum Phase {
    /** {@code runs.pre-entrypoint}, at the job's set-up. */
    PRE,
    /** {@code runs.entrypoint} (or the image's), at the step; {@code with: entrypoint} wins. */
    MAIN,
    /** {@code runs.post-entrypoint}, at the job's end. */
    POST
  }

  /** A fetched or local action whose {@code runs.using} is {@code docker}: its main entrypoint. */
  static StepEnding runAction(
      StepCall step, Path actionDir, ActionManifest.DockerRuns runs, ActionInputs inputs)
      throws InterruptedException {
    return runAction(step, actionDir, runs, inputs, Phase.MAIN);
  }

  /**
   * One phase of a docker action, as GitHub's runner runs it: the same image, {@code args} and
   * {@code env}, with the phase's entrypoint.
   */
  static StepEnding runAction(
      StepCall step,
      Path actionDir,
      ActionManifest.DockerRuns runs,
      ActionInputs inputs,
      Phase phase)
      throws InterruptedException {
    try {
      ActionContainer containers = new ActionContainer(dataDir(step));
      String image =
          runs.image().startsWith("docker://")
              ? containers.pull(runs.image().substring("docker://".length()), step::system)
              : containers.build(actionDir, runs.image(), step::system);
      Map<String, Object> contexts = new HashMap<>();
      contexts.put("inputs", new LinkedHashMap<String, Object>(inputs.values()));
      contexts.put("env", new LinkedHashMap<String, Object>(step.env()));
      ExpressionContext context =
          new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, step.workspace());
      List<String> args = new ArrayList<>();
      if (step.with().containsKey("args")) {
        args.addAll(ContainerOptions.words(step.with().get("args")));
      } else {
        for (String arg : runs.args()) {
          args.add(Expressions.interpolate(arg, context));
        }
      }
      Map<String, String> env = new LinkedHashMap<>(inputs.environment());
      for (Map.Entry<String, String> e : runs.env().entrySet()) {
        env.put(e.getKey(), Expressions.interpolate(e.getValue(), context));
      }
      String entrypoint =
          switch (phase) {
            case PRE -> runs.preEntrypoint();
            case MAIN -> step.with().getOrDefault("entrypoint", runs.entrypoint());
            case POST -> runs.postEntrypoint();
          };
      return runContainer(step, containers, image, entrypoint, args, env);
    } catch (ContainerException e) {
      return StepEnding.failed(step.step().uses() + ": " + e.getMessage());
    } catch (ExpressionException e) {
      return StepEnding.failed(
          step.step().uses() + ": action.yml runs.args/env: " + e.getMessage());
    } catch (ContainerOptions.OptionsException e) {
      return StepEnding.failed(step.step().location() + ": with.args: " + e.getMessage());
    }
  }

  private static StepEnding runContainer(
      StepCall step,
      ActionContainer containers,
      String image,
      String entrypoint,
      List<String> args,
      Map<String, String> inputs)
      throws InterruptedException {
    try {
      Path home = PrivateFiles.createDirectories(step.stepFiles().resolve("_github_home"));
      String event = step.env().get("GITHUB_EVENT_PATH");
      ActionContainer.Prepared prepared =
          containers.prepare(
              step.runId(),
              Path.of(step.stepFiles().getFileName().toString()).toString(),
              image,
              entrypoint,
              args,
              step.env(),
              inputs,
              step.workspace(),
              step.stepFiles(),
              event == null || event.isBlank() ? null : Path.of(event),
              home,
              step.jobNetwork(),
              step::reachableFromJobNetwork);
      StepProcess.Outcome outcome =
          StepProcess.run(
              prepared.command(),
              step.stepFiles(),
              prepared.processEnv(),
              step.stepFiles().resolve(step.number() + ".stdout"),
              step.deadline(),
              step::stopRequested,
              step.killGracePeriod(),
              step::processStarted,
              step::log);
      return switch (outcome.ending()) {
        case EXITED ->
            outcome.exitCode() == 0
                ? StepEnding.succeeded()
                : StepEnding.failed(
                    outcome.exitCode() == 125
                        ? "podman could not run the container (exit code 125); see the log above"
                        : "Process completed with exit code " + outcome.exitCode() + ".");
        case TIMED_OUT -> {
          containers.remove(prepared.name());
          yield StepEnding.timedOut();
        }
        case CANCELLED -> {
          containers.remove(prepared.name());
          yield StepEnding.cancelled("the step was cancelled");
        }
      };
    } catch (IOException e) {
      return StepEnding.failed("cannot run the action's container: " + e.getMessage());
    } catch (ContainerException e) {
      return StepEnding.failed(unreachable(step, e));
    }
  }

  /**
   * The one line of a step whose container cannot reach the job's runtime services, naming the job
   * and the step.
   */
  static String unreachable(StepCall step, ContainerException e) {
    return "job '"
        + step.env().getOrDefault("GITHUB_JOB", "?")
        + "', step '"
        + step.name()
        + "': "
        + e.getMessage();
  }

  /** The data directory: the parent of the step's cache folders (DATA/cache/NAME). */
  private static Path dataDir(StepCall step) {
    return step.cacheDirectory("containers").getParent().getParent();
  }
}
