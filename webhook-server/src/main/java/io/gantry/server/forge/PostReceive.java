package io.gantry.server.forge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** git's post-receive input: one {@code <old-sha> <new-sha> <ref>} line per updated ref. */
public final class PostReceive {

  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");
  private static final int QUOTED_LINE_LIMIT = 120;

  private PostReceive() {}

  /** One updated ref; an all-zeros sha means the ref was created (old) or deleted (new). */
  public record RefUpdate(String oldSha, String newSha, String ref) {}

  /**
   * Every line of {@code stdin}, all validated before any is sent, so a garbled input sends nothing
   * rather than half of it. Blank lines are skipped (a hand-typed test often ends with one); a bad
   * line is an IllegalArgumentException whose one-line message names its number.
   */
  public static List<RefUpdate> parse(Reader stdin) throws IOException {
    List<RefUpdate> updates = new ArrayList<>();
    BufferedReader lines = new BufferedReader(stdin);
    int number = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      number++;
      if (!line.isBlank()) {
        updates.add(parseLine(number, line.strip()));
      }
    }
    return updates;
  }

  private static RefUpdate parseLine(int number, String line) {
    String[] parts = line.split("\\s+");
    if (parts.length != 3) {
      throw bad(number, "expected '<old-sha> <new-sha> <ref>', got '" + quoted(line) + "'");
    }
    String oldSha = parts[0];
    String newSha = parts[1];
    String ref = parts[2];
    if (!OBJECT_ID.matcher(oldSha).matches()) {
      throw bad(
          number, "old sha '" + quoted(oldSha) + "' is not a 40- or 64-character hex object id");
    }
    if (!OBJECT_ID.matcher(newSha).matches()) {
      throw bad(
          number, "new sha '" + quoted(newSha) + "' is not a 40- or 64-character hex object id");
    }
    if (oldSha.length() != newSha.length()) {
      throw bad(number, "old and new sha differ in length (one repository uses one hash)");
    }
    if (!ref.startsWith("refs/") || ref.length() == "refs/".length()) {
      throw bad(number, "ref '" + quoted(ref) + "' does not start with refs/");
    }
    return new RefUpdate(oldSha.toLowerCase(Locale.ROOT), newSha.toLowerCase(Locale.ROOT), ref);
  }

  private static IllegalArgumentException bad(int number, String problem) {
    return new IllegalArgumentException("post-receive line " + number + ": " + problem);
  }

  private static String quoted(String text) {
    return text.length() <= QUOTED_LINE_LIMIT ? text : text.substring(0, QUOTED_LINE_LIMIT) + "…";
  }
}
