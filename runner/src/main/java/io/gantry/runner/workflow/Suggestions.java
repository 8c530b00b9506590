package io.gantry.runner.workflow;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean" hints: the nearest candidate by edit distance, when one is close enough. Public
 * for the built-in actions, which check their own files (e.g. task definition fields) the same way.
 */
public final class Suggestions {

  private Suggestions() {}

  /** The candidate nearest to {@code word}, or null when none is plausibly a typo of it. */
  public static String nearest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(word.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(3, Math.max(word.length(), 1) / 3));
    return best != null && bestDistance <= allowed ? best : null;
  }

  /**
   * "; did you mean 'x'?" for a close candidate, else "; valid keys are: a, b, c" (with {@code
   * what} naming the kind of thing listed).
   */
  public static String hint(String word, Collection<String> candidates, String what) {
    String nearest = nearest(word, candidates);
    if (nearest != null) {
      return "; did you mean '" + nearest + "'?";
    }
    return candidates.isEmpty() ? "" : "; valid " + what + " are: " + String.join(", ", candidates);
  }

  /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
