package io.gantry.runner.execution;

import io.gantry.runner.workflow.Workflow;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Everything a run needs besides the executor's own settings.
 *
 * @param repository {@code owner/name} as {@code github.repository} shows it
 * @param event the event name: {@code push} or {@code workflow_dispatch}
 * @param eventPayload the event as {@code github.event} shows it (plain data)
 * @param ref the full ref, e.g. {@code refs/heads/main}
 * @param sha the commit
 * @param inputs {@code workflow_dispatch} inputs, already checked against the workflow's
 * @param secrets values for {@code secrets.*}; all of them are masked in the logs
 * @param vars values for {@code vars.*}
 * @param env variables added to every step's environment (below the workflow's {@code env})
 * @param jobs the job ids to run (their needs run too); empty for all
 * @param sourceDirectory the folder {@code actions/checkout} copies, or null
 * @param remote the repository {@code actions/checkout} clones at {@code sha} (through a mirror),
 *     or null; when both are given, the remote wins
 * @param workspace the folder steps run in; null for a fresh folder under the data directory,
 *     removed when the run ends
 * @param actor who triggered the run
 * @param reused for a rerun of failed jobs only: the jobs of the earlier attempt that passed, by
 *     job id, concluded with their recorded results instead of running again; empty otherwise
 * @param isolation where the jobs run: on this machine, or each in a job container ({@link
 *     Isolation}); never null
 */
public record RunRequest(
    Workflow workflow,
    String repository,
    String event,
    Map<String, Object> eventPayload,
    String ref,
    String sha,
    Map<String, String> inputs,
    Map<String, String> secrets,
    Map<String, String> vars,
    Map<String, String> env,
    Set<String> jobs,
    Path sourceDirectory,
    io.gantry.runner.git.RemoteRepository remote,
    Path workspace,
    String actor,
    Map<String, java.util.List<ReusedJob>> reused,
    Isolation isolation) {

  public RunRequest {
    if (isolation == null) {
      throw new IllegalArgumentException("isolation must be given (Isolation.HOST for none)");
    }
  }

  /** A request whose jobs run on this machine and reuse nothing. */
  public RunRequest(
      Workflow workflow,
      String repository,
      String event,
      Map<String, Object> eventPayload,
      String ref,
      String sha,
      Map<String, String> inputs,
      Map<String, String> secrets,
      Map<String, String> vars,
      Map<String, String> env,
      Set<String> jobs,
      Path sourceDirectory,
      io.gantry.runner.git.RemoteRepository remote,
      Path workspace,
      String actor) {
    this(
        workflow,
        repository,
        event,
        eventPayload,
        ref,
        sha,
        inputs,
        secrets,
        vars,
        env,
        jobs,
        sourceDirectory,
        remote,
        workspace,
        actor,
        Map.of(),
        Isolation.HOST);
  }

  /** The same request, reusing {@code reused} (see {@link ReusedJob#plan}). */
  public RunRequest withReused(Map<String, java.util.List<ReusedJob>> reused) {
    return with(Map.copyOf(reused), isolation);
  }

  /** The same request, its jobs run as {@code isolation} says. */
  public RunRequest withIsolation(Isolation isolation) {
    return with(reused, isolation);
  }

  private RunRequest with(Map<String, java.util.List<ReusedJob>> reused, Isolation isolation) {
    return new RunRequest(
        workflow,
        repository,
        event,
        eventPayload,
        ref,
        sha,
        inputs,
        secrets,
        vars,
        env,
        jobs,
        sourceDirectory,
        remote,
        workspace,
        actor,
        reused,
        isolation);
  }
}
