package io.gantry.server;

import io.gantry.runner.git.LocalRepository;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GitHub-shaped event payloads for runs started from the command line. */
public final class EventPayloads {

  private EventPayloads() {}

  public static Map<String, Object> push(
      String repository, String ref, String sha, LocalRepository.Head head) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("ref", ref);
    payload.put("before", "0".repeat(40));
    payload.put("after", sha);
    payload.put("created", false);
    payload.put("deleted", false);
    payload.put("forced", false);
    payload.put("repository", repository(repository));
    String user = System.getProperty("user.name", "local");
    payload.put("pusher", Map.of("name", user, "email", ""));
    payload.put("sender", Map.of("login", user));
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
      payload.put("head_commit", commit);
      payload.put("commits", List.of(commit));
    } else {
      payload.put("head_commit", null);
      payload.put("commits", List.of());
    }
    return payload;
  }

  public static Map<String, Object> dispatch(String repository, String ref, Map<String, String> inputs) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("ref", ref);
    payload.put("inputs", new LinkedHashMap<String, Object>(inputs));
    payload.put("repository", repository(repository));
    payload.put("sender", Map.of("login", System.getProperty("user.name", "local")));
    return payload;
  }

  private static Map<String, Object> repository(String fullName) {
    int slash = fullName.indexOf('/');
    Map<String, Object> repository = new LinkedHashMap<>();
    repository.put("full_name", fullName);
    repository.put("name", slash < 0 ? fullName : fullName.substring(slash + 1));
    repository.put("owner", Map.of("login", slash < 0 ? fullName : fullName.substring(0, slash)));
    repository.put("default_branch", "main");
    return repository;
  }
}
