package io.gantry.runner.action.remote;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where actions are fetched from ({@code gantry.yml}'s {@code actions:} and {@code gantry run
 * --action-source}).
 *
 * @param baseUrls git base URLs tried in order; {@code OWNER/REPO} is appended ({@code
 *     https://github.com/OWNER/REPO}, {@code file:///srv/mirror/OWNER/REPO}, with or without {@code
 *     .git})
 * @param overrides per repository ({@code OWNER/REPO}), one repository URL or local folder (a bare
 *     repository or a working tree) used instead of the base URLs
 */
public record ActionSources(List<String> baseUrls, Map<String, String> overrides) {

  public static final String GITHUB = "https://github.com";

  public ActionSources {
    baseUrls = List.copyOf(baseUrls.isEmpty() ? List.of(GITHUB) : baseUrls);
    overrides = Map.copyOf(overrides);
  }

  /** The default: github.com only. */
  public static ActionSources github() {
    return new ActionSources(List.of(), Map.of());
  }

  /** The clone URLs to try for a repository, in order. */
  List<String> candidates(String repository) {
    String override = overrides.get(repository);
    if (override != null) {
      return List.of(asUrl(override));
    }
    return baseUrls.stream()
        .map(base -> (base.endsWith("/") ? base : base + "/") + repository)
        .toList();
  }

  /** A folder given as a plain path becomes a file URL; URLs stay as they are. */
  private static String asUrl(String location) {
    if (location.contains("://")) {
      return location;
    }
    URI uri = Path.of(location).toAbsolutePath().normalize().toUri();
    return uri.toString();
  }
}
