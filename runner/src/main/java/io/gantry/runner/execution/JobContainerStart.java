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

  /** Whether the job needs containers: its own, or every job's under the repository's isolation. */
  static boolean needed(Job job, Isolation isolation) {
    return job.container() != null || !job.services().isEmpty() || isolation.inContainer();
  }

  /**
   * Starts them; a {@link ContainerException} (one line naming the job and container) when one
   * cannot start or never becomes healthy, with nothing left running.
   */
  static JobContainers start(JobScope scope, long deadline, StepOutput setup) {
    Job job = scope.job;
    RunContext run = scope.run;
    Isolation isolation = run.request().isolation();
    ExpressionContext context = scope.jobContext(scope.workflowEnv);
    ContainerSettings container =
        job.container() == null ? null : evaluate(scope, null, job.container(), context, isolation);
    if (container == null && isolation.inContainer()) {
      setup.system(
          "Isolation: the job runs in a container of "
              + isolation.image()
              + " (gantry.yml runner.isolation: container)");
      container =
          new ContainerSettings(
              null, isolation.image(), null, null, Map.of(), List.of(), List.of(), null);
    }
    Map<String, ContainerSettings> services = new LinkedHashMap<>();
    job.services()
        .forEach((id, spec) -> services.put(id, evaluate(scope, id, spec, context, isolation)));
    String repository = run.request().repository();
    String workspaceName =
        repository == null || repository.isBlank()
            ? "workspace"
            : repository.substring(repository.lastIndexOf('/') + 1);
    String toolCache = run.baseEnv().get("RUNNER_TOOL_CACHE");
    Podman podman = Podman.locate(run.options().dataDir());
    GitActionStepRunner git =
        run.stepRunners().stream()
            .filter(GitActionStepRunner.class::isInstance)
            .map(GitActionStepRunner.class::cast)
            .findFirst()
            .orElse(null);
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
              line -> setup.system(run.masker().mask(line)),
              git == null ? null : git.cacheDir(),
              git == null ? null : git.hostNode(),
              run.options().pullTimeout()));
    } catch (ContainerException e) {
      throw new ContainerException(
          "job '" + scope.name + "': " + run.masker().mask(e.getMessage()));
    }
  }

  private static ContainerSettings evaluate(
      JobScope scope,
      String id,
      ContainerSpec spec,
      ExpressionContext context,
      Isolation isolation) {
    String what = id == null ? "container" : "services." + id;
    try {
      List<String> volumes = list(spec.volumes(), context);
      if (isolation.inContainer()) {
        for (String volume : volumes) {
          if (mountsHostFolder(volume)) {
            throw new ContainerException(
                spec.location()
                    + ": "
                    + what
                    + ".volumes: '"
                    + volume
                    + "' mounts a folder of the host, which this repository's isolation"
                    + " (gantry.yml runner.isolation: container) forbids; use a named volume"
                    + " (NAME:/path) or none");
          }
        }
      }
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
          volumes,
          text(spec.options(), context));
    } catch (ExpressionException e) {
      throw new ContainerException(spec.location() + ": " + what + ": " + e.getMessage());
    }
  }

  /** {@code /host:/dest}, {@code ./dir:/dest}, {@code ~/x:/dest}: a bind mount, not a volume. */
  static boolean mountsHostFolder(String volume) {
    String v = volume.strip();
    int colon = v.indexOf(':');
    if (colon < 0) {
      // an anonymous volume at that path
      return false;
    }
    String source = v.substring(0, colon);
    return source.startsWith("/")
        || source.startsWith(".")
        || source.startsWith("~")
        || source.contains("/")
        || source.startsWith("$");
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
