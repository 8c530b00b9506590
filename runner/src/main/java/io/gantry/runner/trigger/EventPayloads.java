package io.gantry.runner.trigger;

import io.gantry.runner.git.LocalRepository;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GitHub-shaped event payloads for runs started from the command line and dispatched runs. */
public final class EventPayloads {

  private EventPayloads() {}

  /**
   * A push of {@code head} (null when the directory is not a git checkout) as {@code gantry run}
   * sends it: from no commit ({@code before} all zeros), pushed by the local user.
   */
  public static Map<String, Object> push(
      String repository, String ref, String sha, LocalRepository.Head head) {
    String user = System.getProperty("user.name", "local");
    PushPayload push =
        PushPayload.of(repository, ref, "0".repeat(40), sha)
            .repositoryField("default_branch", "main")
            .pushedBy(user, "");
    if (head != null) {
      Map<String, Object> commit = new LinkedHashMap<>();
      commit.put("id", head.sha());
      commit.put("message", head.message());
      commit.put("timestamp", head.time().toString());
      Map<String, Object> author = new LinkedHashMap<>();
      author.put("name", head.authorName());
      author.put("email", head.authorEmail());
      commit.put("author", author);
      commit.put("committer", author);
      push.commits(List.of(commit), commit);
    }
    return push.toMap();
  }

  /** A {@code workflow_dispatch} of {@code ref} with its resolved inputs. */
  public static Map<String, Object> dispatch(
      String repository, String ref, Map<String, String> inputs) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("ref", ref);
    payload.put("inputs", new LinkedHashMap<String, Object>(inputs));
    Map<String, Object> repo = repository(repository);
    repo.put("default_branch", "main");
    payload.put("repository", repo);
    payload.put("sender", Map.of("login", System.getProperty("user.name", "local")));
    return payload;
  }

  /**
   * A {@code schedule} event as GitHub sends it: the cron line that fired, the repository (with its
   * default branch) and the sender.
   */
  public static Map<String, Object> schedule(String repository, String cron, String defaultBranch) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("schedule", cron);
    Map<String, Object> repo = repository(repository);
    repo.put("default_branch", defaultBranch);
    payload.put("repository", repo);
    payload.put("sender", Map.of("login", "gantry[bot]"));
    return payload;
  }

  /**
   * A {@code repository_dispatch} event as GitHub sends it: {@code action} is the event type,
   * {@code branch} the default branch the run is on.
   */
  public static Map<String, Object> repositoryDispatch(
      String repository,
      String eventType,
      Map<String, Object> clientPayload,
      String defaultBranch,
      String actor) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("action", eventType);
    payload.put("branch", defaultBranch);
    payload.put("client_payload", clientPayload);
    Map<String, Object> repo = repository(repository);
    repo.put("default_branch", defaultBranch);
    payload.put("repository", repo);
    payload.put("sender", Map.of("login", actor));
    return payload;
  }

  /**
   * A {@code workflow_run} event of action {@code completed}: {@code workflowRun} is the run that
   * completed, in GitHub's field names ({@code id}, {@code name}, {@code head_branch}, {@code
   * head_sha}, {@code event}, {@code status}, {@code conclusion}, {@code run_number}, …).
   */
  public static Map<String, Object> workflowRun(
      String repository, Map<String, Object> workflowRun, String defaultBranch) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("action", "completed");
    payload.put("workflow_run", workflowRun);
    payload.put(
        "workflow", Map.of("name", workflowRun.get("name"), "path", workflowRun.get("path")));
    Map<String, Object> repo = repository(repository);
    repo.put("default_branch", defaultBranch);
    payload.put("repository", repo);
    payload.put("sender", Map.of("login", "gantry[bot]"));
    return payload;
  }

  /**
   * {@code repository}'s names: {@code full_name}, {@code name} (after the last slash) and {@code
   * owner.login} (before it, so a GitLab group/subgroup/project is owned by group/subgroup).
   */
  static Map<String, Object> repository(String fullName) {
    int slash = fullName.lastIndexOf('/');
    Map<String, Object> repository = new LinkedHashMap<>();
    repository.put("full_name", fullName);
    repository.put("name", fullName.substring(slash + 1));
    repository.put("owner", Map.of("login", slash < 0 ? fullName : fullName.substring(0, slash)));
    return repository;
  }
}
