package io.gantry.runner.trigger;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A pull request event in the shape of GitHub's {@code pull_request} webhook payload, which
 * workflows read as {@code github.event}: GitLab's merge request hooks and {@code gantry run
 * --event pull_request} build theirs here (GitHub's and Gitea's are used as sent), and the readers
 * below take what the server needs from any of them.
 *
 * <p>The fields, in GitHub's order: {@code action}, {@code number}, {@code pull_request} ({@code
 * number}, {@code state}, {@code title}, {@code body}, {@code user.login}, {@code html_url}, {@code
 * draft}, {@code merged}, {@code merge_commit_sha}, {@code head} and {@code base}, each with {@code
 * label}, {@code ref}, {@code sha} and {@code repo} ({@code full_name}, {@code name}, {@code
 * owner.login}, {@code clone_url}, {@code fork}), the head's repo null when it was deleted), {@code
 * repository} (the base's), {@code sender.login}, and for {@code synchronize} {@code before} /
 * {@code after}.
 */
public final class PullRequestPayload {

  private final String repository;
  private final String action;
  private final long number;
  private final Map<String, Object> pull = new LinkedHashMap<>();
  private Map<String, Object> head;
  private Map<String, Object> base;
  private String sender;
  private String before;
  private String after;
  private final Map<String, Object> repositoryFields = new LinkedHashMap<>();

  private PullRequestPayload(String repository, String action, long number) {
    this.repository = repository;
    this.action = action;
    this.number = number;
    pull.put("number", number);
    pull.put("state", "open");
    pull.put("title", "");
    pull.put("body", null);
    pull.put("user", userOf(null));
    pull.put("html_url", null);
    pull.put("draft", false);
    pull.put("merged", false);
    pull.put("merge_commit_sha", null);
  }

  /** Pull request {@code number} of {@code repository} (the base, owner/name), {@code action}. */
  public static PullRequestPayload of(String repository, String action, long number) {
    return new PullRequestPayload(repository, action, number);
  }

  /** A field of {@code pull_request} ({@code title}, {@code body}, {@code state}, …). */
  public PullRequestPayload field(String key, Object value) {
    pull.put(key, value);
    return this;
  }

  /** Who opened it ({@code pull_request.user.login}). */
  public PullRequestPayload author(String login) {
    pull.put("user", userOf(login));
    return this;
  }

  /** Who acted ({@code sender.login}). */
  public PullRequestPayload sender(String login) {
    sender = login;
    return this;
  }

  /**
   * A field of {@code repository} beyond its names ({@code clone_url}, {@code default_branch}…).
   */
  public PullRequestPayload repositoryField(String key, Object value) {
    repositoryFields.put(key, value);
    return this;
  }

  /**
   * The head: its branch, commit and repository; {@code repositoryName} null when the head's
   * repository is unknown or deleted.
   */
  public PullRequestPayload head(String ref, String sha, String repositoryName, String cloneUrl) {
    head = side(ref, sha, repositoryName, cloneUrl);
    return this;
  }

  /**
   * The base: the branch merged into, its commit, and the repository (usually {@code repository}).
   */
  public PullRequestPayload base(String ref, String sha, String repositoryName, String cloneUrl) {
    base = side(ref, sha, repositoryName, cloneUrl);
    return this;
  }

  /** For {@code synchronize}: the head's commit before and after the push. */
  public PullRequestPayload pushed(String beforeSha, String afterSha) {
    before = beforeSha;
    after = afterSha;
    return this;
  }

  /** The payload: a fresh mutable map, in GitHub's field order. */
  public Map<String, Object> toMap() {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("action", action);
    payload.put("number", number);
    if (before != null) {
      payload.put("before", before);
      payload.put("after", after);
    }
    Map<String, Object> pr = new LinkedHashMap<>(pull);
    pr.put("head", head);
    pr.put("base", base);
    payload.put("pull_request", pr);
    Map<String, Object> repo = EventPayloads.repository(repository);
    repo.putAll(repositoryFields);
    payload.put("repository", repo);
    payload.put("sender", userOf(sender));
    return payload;
  }

  private Map<String, Object> side(String ref, String sha, String repositoryName, String cloneUrl) {
    Map<String, Object> side = new LinkedHashMap<>();
    String owner =
        repositoryName == null
            ? null
            : repositoryName.substring(0, Math.max(0, repositoryName.lastIndexOf('/')));
    side.put("label", owner == null ? ref : owner + ":" + ref);
    side.put("ref", ref);
    side.put("sha", sha);
    if (repositoryName == null) {
      side.put("repo", null);
    } else {
      Map<String, Object> repo = EventPayloads.repository(repositoryName);
      repo.put("clone_url", cloneUrl);
      repo.put("fork", !repositoryName.equalsIgnoreCase(repository));
      side.put("repo", repo);
    }
    return side;
  }

  private static Map<String, Object> userOf(String login) {
    Map<String, Object> user = new LinkedHashMap<>();
    user.put("login", login);
    return user;
  }

  /** {@code github.head_ref}: the head branch of a pull request event, else empty. */
  public static String headRef(String event, Map<String, Object> payload) {
    return isPullRequest(event) ? text(payload, "head", "ref") : "";
  }

  /** {@code github.base_ref}: the base branch of a pull request event, else empty. */
  public static String baseRef(String event, Map<String, Object> payload) {
    return isPullRequest(event) ? text(payload, "base", "ref") : "";
  }

  /** The head commit of a pull request payload, where GitHub puts the PR's commit statuses. */
  public static String headSha(Map<String, Object> payload) {
    return text(payload, "head", "sha");
  }

  /** Whether {@code event} is {@code pull_request} or {@code pull_request_target}. */
  public static boolean isPullRequest(String event) {
    return "pull_request".equals(event) || "pull_request_target".equals(event);
  }

  /**
   * Whether the pull request comes from another repository than its base (a fork), or from a head
   * repository that is unknown or deleted: such a run gets no secrets, as on GitHub.
   */
  public static boolean fromFork(Map<String, Object> payload) {
    Object pr = payload == null ? null : payload.get("pull_request");
    if (!(pr instanceof Map<?, ?> pull)) {
      return true;
    }
    String head = repoName(pull.get("head"));
    String base = repoName(pull.get("base"));
    return head == null
        || base == null
        || !head.toLowerCase(Locale.ROOT).equals(base.toLowerCase(Locale.ROOT));
  }

  private static String repoName(Object side) {
    if (side instanceof Map<?, ?> s && s.get("repo") instanceof Map<?, ?> repo) {
      Object name = repo.get("full_name");
      return name instanceof String n ? n : null;
    }
    return null;
  }

  private static String text(Map<String, Object> payload, String side, String key) {
    Object pr = payload == null ? null : payload.get("pull_request");
    if (pr instanceof Map<?, ?> pull && pull.get(side) instanceof Map<?, ?> s) {
      Object value = s.get(key);
      return value == null ? "" : value.toString();
    }
    return "";
  }
}
