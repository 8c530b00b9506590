package io.gantry.runner.action.remote;

import java.util.regex.Pattern;

/**
 * What a step's {@code uses:} names: an action in a git repository ({@code OWNER/REPO[/PATH]@REF}),
 * an action in the workspace ({@code ./PATH}) or a container image ({@code docker://IMAGE}).
 *
 * @param kind which of the three
 * @param owner the repository's owner (REMOTE only)
 * @param repo the repository's name (REMOTE only)
 * @param path the action's folder inside the repository or workspace, {@code ""} for the root
 * @param ref the branch, tag or 40-hex commit (REMOTE only)
 * @param image the image (DOCKER only)
 */
public record ActionReference(
    Kind kind, String owner, String repo, String path, String ref, String image) {

  public enum Kind {
    REMOTE,
    LOCAL,
    DOCKER
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

  /**
   * Reads a {@code uses:} value.
   *
   * @throws IllegalArgumentException with a one-line message naming the value and the expected form
   */
  public static ActionReference parse(String uses) {
    String value = uses == null ? "" : uses.strip();
    if (value.startsWith("docker://")) {
      String image = value.substring("docker://".length());
      if (image.isEmpty() || image.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            "'" + value + "' names no image; write docker://IMAGE[:TAG]");
      }
      return new ActionReference(Kind.DOCKER, null, null, "", null, image);
    }
    if (value.startsWith("./")) {
      String path = trimSlashes(value.substring(2));
      if (path.contains("..")) {
        throw new IllegalArgumentException(
            "'" + value + "' leaves the workspace; a local action is ./PATH inside it");
      }
      return new ActionReference(Kind.LOCAL, null, null, path, null, null);
    }
    int at = value.lastIndexOf('@');
    if (at <= 0 || at == value.length() - 1) {
      throw new IllegalArgumentException(
          "'" + value + "' has no @REF; write OWNER/REPO[/PATH]@REF (a tag, branch or commit)");
    }
    String ref = value.substring(at + 1);
    String[] parts = value.substring(0, at).split("/", 3);
    if (parts.length < 2
        || !NAME.matcher(parts[0]).matches()
        || !NAME.matcher(parts[1]).matches()) {
      throw new IllegalArgumentException(
          "'" + value + "' is not OWNER/REPO[/PATH]@REF, ./PATH or docker://IMAGE");
    }
    String path = parts.length == 3 ? trimSlashes(parts[2]) : "";
    if (path.contains("..") || ref.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "'" + value + "' is not OWNER/REPO[/PATH]@REF: the path or ref is malformed");
    }
    return new ActionReference(Kind.REMOTE, parts[0], parts[1], path, ref, null);
  }

  /** {@code OWNER/REPO}, the key of sources' overrides and of the action cache. */
  public String repository() {
    return owner + "/" + repo;
  }

  /** True when the ref is a full commit id, used as is and never re-resolved. */
  public boolean pinned() {
    return ref != null && SHA.matcher(ref).matches();
  }

  @Override
  public String toString() {
    return switch (kind) {
      case DOCKER -> "docker://" + image;
      case LOCAL -> "./" + path;
      case REMOTE -> repository() + (path.isEmpty() ? "" : "/" + path) + "@" + ref;
    };
  }

  private static String trimSlashes(String path) {
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
