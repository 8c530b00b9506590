package io.gantry.runner.artifact;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an artifact's name and its files' paths may hold: GitHub's rules ({@code @actions/artifact}
 * refuses these characters because some file systems cannot hold them), plus no {@code ..} in a
 * name, since a name becomes a folder when several artifacts are downloaded.
 */
public final class ArtifactNames {

  private static final Map<Character, String> FORBIDDEN_IN_PATHS = new LinkedHashMap<>();

  static {
    FORBIDDEN_IN_PATHS.put('"', "double quote \"");
    FORBIDDEN_IN_PATHS.put(':', "colon :");
    FORBIDDEN_IN_PATHS.put('<', "less than <");
    FORBIDDEN_IN_PATHS.put('>', "greater than >");
    FORBIDDEN_IN_PATHS.put('|', "vertical bar |");
    FORBIDDEN_IN_PATHS.put('*', "asterisk *");
    FORBIDDEN_IN_PATHS.put('?', "question mark ?");
    FORBIDDEN_IN_PATHS.put('\r', "carriage return \\r");
    FORBIDDEN_IN_PATHS.put('\n', "line feed \\n");
  }

  /** The longest name accepted. */
  static final int MAX_NAME_LENGTH = 256;

  private ArtifactNames() {}

  /** What is wrong with an artifact name, or null when it is fine. */
  public static String problem(String name) {
    if (name == null || name.isBlank()) {
      return "the artifact name is empty; give 'name:' a value";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return "the artifact name is longer than " + MAX_NAME_LENGTH + " characters";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      String what = FORBIDDEN_IN_PATHS.get(c);
      if (what == null && (c == '/' || c == '\\')) {
        what = c == '/' ? "forward slash /" : "backslash \\";
      }
      if (what != null) {
        return "the artifact name '"
            + printable(name)
            + "' contains a "
            + what
            + "; names may not contain \" : < > | * ? \\r \\n \\ /";
      }
    }
    if (name.contains("..")) {
      return "the artifact name '" + name + "' contains '..'; choose a name without it";
    }
    return null;
  }

  /** What is wrong with a file's path inside an artifact, or null when it is fine. */
  static String pathProblem(String relativePath) {
    for (int i = 0; i < relativePath.length(); i++) {
      String what = FORBIDDEN_IN_PATHS.get(relativePath.charAt(i));
      if (what != null) {
        return "the file '"
            + printable(relativePath)
            + "' cannot be uploaded: its path contains a "
            + what
            + "; rename it or exclude it with a '!' line in 'path:'";
      }
    }
    return null;
  }

  private static String printable(String text) {
    return text.replace("\r", "\\r").replace("\n", "\\n");
  }
}
