package io.gantry.runner.action.remote;

import java.util.List;

/**
 * Which release of an action a commit pin ({@code uses: OWNER/REPO@<40 hex>}) is, as the action
 * sources tell: the tags on the commit itself, or else on its nearest tagged ancestor (within the
 * last {@value PinLookup#HISTORY} commits). What lets a built-in action stand in for a pinned
 * commit only when the commit is a release of a major the built-in implements.
 *
 * @param commit the pinned commit
 * @param source the source that knew the commit (credentials removed), null when none answered
 * @param tags the tags on the commit ({@code exact}) or on its nearest tagged ancestor; empty when
 *     the commit is in no tagged release or unresolved
 * @param exact whether the tags are on the commit itself
 * @param problem why the commit could not be looked up (every source tried), or null
 */
public record PinnedCommit(
    String commit, String source, List<String> tags, boolean exact, String problem) {

  public PinnedCommit {
    tags = List.copyOf(tags);
  }

  static PinnedCommit unresolved(String commit, String problem) {
    return new PinnedCommit(commit, null, List.of(), false, problem);
  }

  /** Whether a source knew the commit. */
  public boolean resolved() {
    return source != null;
  }

  /**
   * The release as a phrase: {@code "v4.2.2 (also v4)"}, {@code "a commit after v4.2.2"}, {@code "a
   * commit in no tagged release"}.
   */
  public String describe() {
    if (tags.isEmpty()) {
      return "a commit in no tagged release";
    }
    String main = tags.stream().max(PinnedCommit::byLength).orElseThrow();
    List<String> others = tags.stream().filter(t -> !t.equals(main)).sorted().toList();
    String named = others.isEmpty() ? main : main + " (also " + String.join(", ", others) + ")";
    return exact ? named : "a commit after " + named;
  }

  /** The most specific tag first: {@code v4.2.2} before {@code v4}. */
  private static int byLength(String a, String b) {
    return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : b.compareTo(a);
  }

  /** The first 12 digits, as pins are shown in logs. */
  public String shortCommit() {
    return commit.substring(0, Math.min(12, commit.length()));
  }
}
