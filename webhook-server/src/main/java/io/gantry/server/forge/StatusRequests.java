package io.gantry.server.forge;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Builds the commit-status request each forge documents. Pure: the outbox can build, store and
 * resend the same request; only {@link StatusSender} does I/O.
 *
 * <ul>
 *   <li>GitHub: {@code POST {api}/repos/{owner}/{repo}/statuses/{sha}}, {@code Authorization:
 *       Bearer}, body {@code state, target_url, description, context}.
 *   <li>Gitea: the same under {@code {api}/api/v1}, {@code Authorization: token}.
 *   <li>GitLab: {@code POST {api}/api/v4/projects/{url-encoded path}/statuses/{sha}}, {@code
 *       PRIVATE-TOKEN}, body {@code state, name, target_url, description} with GitLab's states.
 * </ul>
 */
public final class StatusRequests {

  /** GitHub rejects longer descriptions with a 422; the others are held to the same length. */
  static final int DESCRIPTION_LIMIT = 140;

  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");

  private StatusRequests() {}

  /**
   * The request that sets {@code status} on commit {@code sha} of {@code repository} ({@code
   * owner/name}; for GitLab the full namespace path). A target whose forge has no status API
   * ({@code git}) is an IllegalArgumentException.
   */
  public static StatusRequest build(
      StatusTarget target, String repository, String sha, CommitStatus status) {
    if (sha == null || !SHA.matcher(sha).matches()) {
      throw new IllegalArgumentException(
          "commit sha '" + sha + "' is not a 40- or 64-character hex id");
    }
    switch (target.forge()) {
      case "github":
        return github(target, repository, sha, status);
      case "gitea":
        return gitea(target, repository, sha, status);
      case "gitlab":
        return gitlab(target, repository, sha, status);
      default:
        throw new IllegalArgumentException(
            "forge '"
                + target.forge()
                + "' has no commit status API; set status for github, gitea"
                + " or gitlab repositories only");
    }
  }

  private static StatusRequest github(
      StatusTarget target, String repository, String sha, CommitStatus status) {
    URI uri =
        URI.create(target.apiUrl() + "/repos/" + ownerAndName(repository) + "/statuses/" + sha);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + target.token());
    headers.put("Accept", "application/vnd.github+json");
    headers.put("X-GitHub-Api-Version", "2022-11-28");
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "gantry");
    return new StatusRequest("POST", uri, headers, githubBody(status));
  }

  private static StatusRequest gitea(
      StatusTarget target, String repository, String sha, CommitStatus status) {
    String api = withSuffix(target.apiUrl(), "/api/v1");
    URI uri = URI.create(api + "/repos/" + ownerAndName(repository) + "/statuses/" + sha);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "token " + target.token());
    headers.put("Accept", "application/json");
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "gantry");
    return new StatusRequest("POST", uri, headers, githubBody(status));
  }

  private static StatusRequest gitlab(
      StatusTarget target, String repository, String sha, CommitStatus status) {
    if (repository == null || repository.isBlank()) {
      throw new IllegalArgumentException("a GitLab project path is needed, e.g. group/project");
    }
    String api = withSuffix(target.apiUrl(), "/api/v4");
    // The whole path is one segment: group/sub/project → group%2Fsub%2Fproject.
    String project = URLEncoder.encode(repository, StandardCharsets.UTF_8).replace("+", "%20");
    URI uri = URI.create(api + "/projects/" + project + "/statuses/" + sha);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("PRIVATE-TOKEN", target.token());
    headers.put("Accept", "application/json");
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "gantry");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("state", gitlabState(status.state()));
    body.put("name", status.context());
    putIfPresent(body, "target_url", status.targetUrl());
    putIfPresent(body, "description", truncate(status.description()));
    return new StatusRequest("POST", uri, headers, Json.write(body));
  }

  // GitHub and Gitea share the body; Gitea's extra "warning" state is not one Gantry reports.
  private static String githubBody(CommitStatus status) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("state", githubState(status.state()));
    putIfPresent(body, "target_url", status.targetUrl());
    putIfPresent(body, "description", truncate(status.description()));
    body.put("context", status.context());
    return Json.write(body);
  }

  private static String githubState(CommitStatus.State state) {
    switch (state) {
      case PENDING:
        return "pending";
      case SUCCESS:
        return "success";
      case FAILURE:
        return "failure";
      default:
        // GitHub has no "cancelled"; "error" says the run did not complete, the description says
        // why.
        return "error";
    }
  }

  private static String gitlabState(CommitStatus.State state) {
    switch (state) {
      case PENDING:
        return "pending";
      case SUCCESS:
        return "success";
      case CANCELLED:
        return "canceled";
      default:
        return "failed"; // GitLab has no separate "error"
    }
  }

  private static String ownerAndName(String repository) {
    String[] parts = repository == null ? new String[0] : repository.split("/", -1);
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException("repository '" + repository + "' is not owner/name");
    }
    return segment(parts[0]) + "/" + segment(parts[1]);
  }

  private static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String withSuffix(String apiUrl, String suffix) {
    return apiUrl.endsWith(suffix) ? apiUrl : apiUrl + suffix;
  }

  private static void putIfPresent(Map<String, Object> body, String key, String value) {
    if (value != null) {
      body.put(key, value);
    }
  }

  /** At most {@link #DESCRIPTION_LIMIT} characters, never splitting a surrogate pair. */
  static String truncate(String description) {
    if (description == null
        || description.codePointCount(0, description.length()) <= DESCRIPTION_LIMIT) {
      return description;
    }
    int end = description.offsetByCodePoints(0, DESCRIPTION_LIMIT - 1);
    return description.substring(0, end) + "…";
  }
}
