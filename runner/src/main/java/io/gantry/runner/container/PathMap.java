package io.gantry.runner.container;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The host folders mounted into a job container and where they appear inside it; turns host paths
 * in a step's environment, script and working directory into the container's.
 */
public final class PathMap {

  /** One mount: the host folder and its path in the container. */
  public record Mount(String host, String container) {}

  private final List<Mount> mounts;

  PathMap(List<Mount> mounts) {
    List<Mount> sorted = new ArrayList<>(mounts);
    // the longest host path first, so a nested mount wins over its parent
    sorted.sort(Comparator.comparingInt((Mount m) -> m.host().length()).reversed());
    this.mounts = List.copyOf(sorted);
  }

  public List<Mount> mounts() {
    return mounts;
  }

  /** The text with every host folder of a mount replaced by its container path. */
  public String toContainer(String text) {
    if (text == null) {
      return null;
    }
    String result = text;
    for (Mount m : mounts) {
      result = replace(result, m.host(), m.container());
    }
    return result;
  }

  /** Replaces the folder where it stands as a whole path (followed by /, :, whitespace or end). */
  private static String replace(String text, String from, String to) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int i = text.indexOf(from, at);
      if (i < 0) {
        break;
      }
      int end = i + from.length();
      boolean whole = end == text.length() || "/:\"' \n\t".indexOf(text.charAt(end)) >= 0;
      out.append(text, at, i).append(whole ? to : from);
      at = end;
    }
    return out.append(text.substring(at)).toString();
  }
}
