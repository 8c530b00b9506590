package io.gantry.runner.execution;

import io.gantry.runner.trigger.PullRequestPayload;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Builds the {@code github}, {@code runner} and {@code inputs} contexts and default variables. */
final class Contexts {

  private Contexts() {}

  static Map<String, Object> github(
      RunRequest request, long runId, long runNumber, int attempt, Path workspace, Path eventPath) {
    Map<String, Object> github = new LinkedHashMap<>();
    String ref = request.ref();
    github.put("event_name", request.event());
    github.put("event", request.eventPayload());
    github.put("event_path", eventPath.toString());
    github.put("sha", request.sha());
    github.put("ref", ref);
    github.put("ref_name", refName(ref));
    github.put("ref_type", ref.startsWith("refs/tags/") ? "tag" : "branch");
    github.put("ref_protected", false);
    github.put("head_ref", PullRequestPayload.headRef(request.event(), request.eventPayload()));
    github.put("base_ref", PullRequestPayload.baseRef(request.event(), request.eventPayload()));
    github.put("repository", request.repository());
    github.put("repository_owner", owner(request.repository()));
    github.put("actor", request.actor());
    github.put("triggering_actor", request.actor());
    github.put("run_id", Long.toString(runId));
    github.put("run_number", Long.toString(runNumber));
    github.put("run_attempt", Integer.toString(attempt));
    github.put("workflow", request.workflow().name());
    github.put(
        "workflow_ref",
        request.repository() + "/" + request.workflow().file().getFileName() + "@" + ref);
    github.put("workspace", workspace.toString());
    github.put("server_url", "");
    github.put("api_url", "");
    github.put("graphql_url", "");
    github.put("token", request.secrets().getOrDefault("GITHUB_TOKEN", ""));
    github.put("action", "");
    github.put("retention_days", "90");
    return github;
  }

  /** GitHub's default variables, present in every step. */
  static Map<String, String> defaultVariables(Map<String, Object> github, Path runnerTemp) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CI", "true");
    env.put("GITHUB_ACTIONS", "true");
    env.put("GANTRY", "true");
    env.put("GITHUB_WORKFLOW", str(github.get("workflow")));
    env.put("GITHUB_WORKFLOW_REF", str(github.get("workflow_ref")));
    env.put("GITHUB_RUN_ID", str(github.get("run_id")));
    env.put("GITHUB_RUN_NUMBER", str(github.get("run_number")));
    env.put("GITHUB_RUN_ATTEMPT", str(github.get("run_attempt")));
    env.put("GITHUB_ACTOR", str(github.get("actor")));
    env.put("GITHUB_TRIGGERING_ACTOR", str(github.get("triggering_actor")));
    env.put("GITHUB_REPOSITORY", str(github.get("repository")));
    env.put("GITHUB_REPOSITORY_OWNER", str(github.get("repository_owner")));
    env.put("GITHUB_EVENT_NAME", str(github.get("event_name")));
    env.put("GITHUB_EVENT_PATH", str(github.get("event_path")));
    env.put("GITHUB_WORKSPACE", str(github.get("workspace")));
    env.put("GITHUB_SHA", str(github.get("sha")));
    env.put("GITHUB_REF", str(github.get("ref")));
    env.put("GITHUB_REF_NAME", str(github.get("ref_name")));
    env.put("GITHUB_REF_TYPE", str(github.get("ref_type")));
    env.put("GITHUB_REF_PROTECTED", "false");
    env.put("GITHUB_HEAD_REF", str(github.get("head_ref")));
    env.put("GITHUB_BASE_REF", str(github.get("base_ref")));
    env.put("RUNNER_OS", "Linux");
    env.put("RUNNER_ARCH", arch());
    env.put("RUNNER_NAME", runnerName());
    env.put("RUNNER_ENVIRONMENT", "self-hosted");
    env.put("RUNNER_TEMP", runnerTemp.toString());
    env.put("RUNNER_TOOL_CACHE", runnerTemp.resolve("_tool").toString());
    return env;
  }

  static Map<String, Object> runner(Path runnerTemp) {
    Map<String, Object> runner = new LinkedHashMap<>();
    runner.put("name", runnerName());
    runner.put("os", "Linux");
    runner.put("arch", arch());
    runner.put("temp", runnerTemp.toString());
    runner.put("tool_cache", runnerTemp.resolve("_tool").toString());
    runner.put("environment", "self-hosted");
    runner.put("debug", "");
    return runner;
  }

  /** {@code inputs}: typed as the workflow declares them (booleans and numbers as such). */
  static Map<String, Object> inputs(RunRequest request) {
    Map<String, Object> inputs = new LinkedHashMap<>();
    var trigger = request.workflow().on().dispatch();
    request
        .inputs()
        .forEach(
            (name, value) -> {
              String type = "string";
              var call = request.workflow().call();
              if (call != null && call.inputs().containsKey(name)) {
                type = call.inputs().get(name).type();
              } else if (trigger != null && trigger.inputs().containsKey(name)) {
                type = trigger.inputs().get(name).type();
              }
              inputs.put(
                  name,
                  switch (type == null ? "string" : type) {
                    case "boolean" -> Boolean.parseBoolean(value);
                    case "number" -> parseNumber(value);
                    default -> value;
                  });
            });
    return inputs;
  }

  static String refName(String ref) {
    if (ref.startsWith("refs/heads/")) {
      return ref.substring("refs/heads/".length());
    }
    if (ref.startsWith("refs/tags/")) {
      return ref.substring("refs/tags/".length());
    }
    // A pull request's refs/pull/2/merge is named 2/merge, as on GitHub.
    return ref.startsWith("refs/pull/") ? ref.substring("refs/pull/".length()) : ref;
  }

  private static Object parseNumber(String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return value;
    }
  }

  private static String owner(String repository) {
    int slash = repository.indexOf('/');
    return slash < 0 ? repository : repository.substring(0, slash);
  }

  private static String arch() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "X64";
      case "aarch64", "arm64" -> "ARM64";
      default -> arch.toUpperCase(Locale.ROOT);
    };
  }

  private static String runnerName() {
    return RUNNER_NAME;
  }

  private static final String RUNNER_NAME = hostRunnerName();

  private static String hostRunnerName() {
    try {
      return "gantry-" + InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "gantry";
    }
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }
}
