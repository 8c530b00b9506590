package io.gantry.runner.execution;

import io.gantry.runner.container.ContainerException;
import io.gantry.runner.container.ContainerSettings;
import io.gantry.runner.container.JobContainers;
import io.gantry.runner.container.Podman;
import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.workflow.ContainerSpec;
import io.gantry.runner.workflow.Job;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a job's {@code services:} and {@code container:} ({@link JobContainers}) before its first
 * step: their fields evaluated with the job's contexts, the credentials masked.
 */
final class JobContainerStart {

  private JobContainerStart() {}

  /** Whether the job needs containers. */
  static boolean needed(Job job) {
    return job.container() != null || !job.services().isEmpty();
  }

  /**
   * Starts them; a {@link ContainerException} (one line naming the job and container) when one
   * cannot start or never becomes healthy, with nothing left running.
   */
  static JobContainers start(JobScope scope, long deadline, StepOutput setup) {
    Job job = scope.job;
    ExpressionContext context = scope.jobContext(scope.workflowEnv);
    ContainerSettings container =
        job.container() == null ? null : evaluate(scope, null, job.container(), context);
    Map<String, ContainerSettings> services = new LinkedHashMap<>();
    job.services().forEach((id, spec) -> services.put(id, evaluate(scope, id, spec, context)));
    RunContext run = scope.run;
    String repository = run.request().repository();
    String workspaceName =
        repository == null || repository.isBlank()
            ? "workspace"
            : repository.substring(repository.lastIndexOf('/') + 1);
    String toolCache = run.baseEnv().get("RUNNER_TOOL_CACHE");
    Podman podman = Podman.locate(run.options().dataDir());
    try {
      return JobContainers.start(
          podman,
          new JobContainers.Request(
              run.options().dataDir(),
              run.runId(),
              scope.key,
              job.id(),
              container,
              services,
              scope.workspace,
              workspaceName.replaceAll("[^A-Za-z0-9_.-]", "-"),
              run.runnerTemp(),
              toolCache == null ? null : Path.of(toolCache),
              deadline,
              scope::cancelled,
              line -> setup.system(run.masker().mask(line))));
    } catch (ContainerException e) {
      throw new ContainerException(
          "job '" + scope.name + "': " + run.masker().mask(e.getMessage()));
    }
  }

  private static ContainerSettings evaluate(
      JobScope scope, String id, ContainerSpec spec, ExpressionContext context) {
    String what = id == null ? "container" : "services." + id;
    try {
      String password = text(spec.password(), context);
      if (password != null && !password.isEmpty()) {
        scope.run.masker().add(password);
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : spec.env().entrySet()) {
        env.put(e.getKey(), text(e.getValue(), context));
      }
      return new ContainerSettings(
          id,
          text(spec.image(), context).strip(),
          text(spec.username(), context),
          password,
          env,
          list(spec.ports(), context),
          list(spec.volumes(), context),
          text(spec.options(), context));
    } catch (ExpressionException e) {
      throw new ContainerException(spec.location() + ": " + what + ": " + e.getMessage());
    }
  }

  private static String text(String template, ExpressionContext context)
      throws ExpressionException {
    return template == null ? null : Expressions.interpolate(template, context);
  }

  private static List<String> list(List<String> templates, ExpressionContext context)
      throws ExpressionException {
    List<String> result = new ArrayList<>();
    for (String t : templates) {
      result.add(Expressions.interpolate(t, context));
    }
    return result;
  }
}
