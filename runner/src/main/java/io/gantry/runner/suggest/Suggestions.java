package io.gantry.runner.suggest;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean" hints, the one place for them: the nearest candidate by edit distance (optimal
 * string alignment: Levenshtein plus adjacent transpositions, ignoring case), when one is close
 * enough. Used for YAML keys and values (workflows, {@code gantry.yml}, task definitions) and for
 * names in expressions (contexts, functions).
 */
public final class Suggestions {

  private Suggestions() {}

  /**
   * The candidate nearest to {@code word}, or null when none is plausibly a typo of it: a third of
   * the word's length may differ (at least 1, at most 3).
   */
  public static String nearest(String word, Collection<String> candidates) {
    return nearest(word, candidates, Math.max(1, Math.min(3, Math.max(word.length(), 1) / 3)));
  }

  /**
   * The candidate nearest to {@code word} at most {@code maxDistance} edits away (the first of
   * equally near ones), or null.
   */
  public static String nearest(String word, Collection<String> candidates, int maxDistance) {
    String lower = word.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= maxDistance ? best : null;
  }

  /**
   * The candidate nearest to a misspelt short name (a context, a function): one edit for names of
   * up to 3 characters, else two.
   */
  public static String nearestName(String name, Collection<String> candidates) {
    return nearest(name, candidates, name.length() <= 3 ? 1 : 2);
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

  /** Optimal string alignment distance (Levenshtein plus adjacent transpositions: "tojosn"). */
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
