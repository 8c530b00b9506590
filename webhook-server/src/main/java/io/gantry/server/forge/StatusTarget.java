package io.gantry.server.forge;

import java.net.URI;
import java.util.Objects;

/**
 * Where and as whom a repository's commit statuses are posted: the {@code status:} block of a
 * repository's configuration. {@link #toString()} never shows the token.
 *
 * @param forge {@code github}, {@code gitea} or {@code gitlab}
 * @param apiUrl the forge's API root: {@code https://api.github.com}, a GitHub Enterprise {@code
 *     https://host/api/v3}, a Gitea or GitLab base URL (with or without {@code /api/v1} or {@code
 *     /api/v4})
 * @param token a token allowed to write commit statuses
 */
public record StatusTarget(String forge, String apiUrl, String token) {

  public StatusTarget {
    Objects.requireNonNull(forge, "forge");
    Forges.byName(forge); // an unknown name fails here, with the supported ones listed
    Objects.requireNonNull(apiUrl, "apiUrl");
    apiUrl = apiUrl.strip().replaceAll("/+$", "");
    URI uri;
    try {
      uri = URI.create(apiUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("status api-url '" + apiUrl + "' is not a URL", e);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "status api-url '"
              + apiUrl
              + "' must be an http:// or https:// URL, e.g. https://api.github.com");
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("status token is empty; set status.token for " + apiUrl);
    }
    // The JDK's HTTP client would reject such a header later, quoting the value in its message.
    if (token.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException(
          "status token for " + apiUrl + " contains a line break or control character");
    }
  }

  @Override
  public String toString() {
    return "StatusTarget[forge=" + forge + ", apiUrl=" + apiUrl + ", token=***]";
  }
}
