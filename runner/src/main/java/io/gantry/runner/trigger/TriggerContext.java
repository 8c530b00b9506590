package io.gantry.runner.trigger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code github} context as far as it is known when an event is matched, before a run exists
 * (no run id, number, workspace or token): what a workflow-level {@code concurrency:} group may
 * use. The executor builds the whole context when the run starts.
 */
public final class TriggerContext {

  private TriggerContext() {}

  /** {@code github}: the event, its payload, ref, sha, repository and workflow name. */
  public static Map<String, Object> github(
      String event,
      Map<String, Object> payload,
      String ref,
      String sha,
      String repository,
      String workflowName) {
    Map<String, Object> github = new LinkedHashMap<>();
    github.put("event_name", event);
    github.put("event", payload);
    github.put("ref", ref);
    github.put("ref_name", ref.replaceFirst("^refs/(heads|tags|pull)/", ""));
    github.put("sha", sha);
    github.put("repository", repository);
    github.put("workflow", workflowName);
    github.put("head_ref", PullRequestPayload.headRef(event, payload));
    github.put("base_ref", PullRequestPayload.baseRef(event, payload));
    return github;
  }
}
