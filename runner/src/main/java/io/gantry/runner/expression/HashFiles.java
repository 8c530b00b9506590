package io.gantry.runner.expression;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code hashFiles()} as the GitHub runner computes it: the SHA-256 of the concatenated SHA-256
 * digests of every matched file. Matching follows {@code @actions/glob}: patterns apply in order
 * and the last one that matches decides ({@code !} excludes), a pattern matching a folder matches
 * everything below it, and {@code *} also matches dot-files.
 */
final class HashFiles {

  private HashFiles() {}

  static String hash(Path workspace, List<String> patterns) throws IOException {
    Path root = workspace.toAbsolutePath().normalize();
    List<Glob> globs = new ArrayList<>();
    for (String pattern : patterns) {
      Glob glob = Glob.of(root, pattern);
      if (glob != null) {
        globs.add(glob);
      }
    }
    List<String> matched = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          if (!Files.isRegularFile(file)) {
            continue;
          }
          String relative = root.relativize(file).toString().replace('\\', '/');
          if (included(globs, relative.split("/"))) {
            matched.add(relative);
          }
        }
      }
    }
    if (matched.isEmpty()) {
      return "";
    }
    // Sorted so that the hash does not depend on the order the file system lists folders in.
    matched.sort(null);
    MessageDigest combined = sha256();
    for (String relative : matched) {
      combined.update(digest(root.resolve(relative)));
    }
    return HexFormat.of().formatHex(combined.digest());
  }

  private static boolean included(List<Glob> globs, String[] path) {
    boolean included = false;
    for (Glob glob : globs) {
      if (glob.matches(path)) {
        included = !glob.negate;
      }
    }
    return included;
  }

  private static byte[] digest(Path file) throws IOException {
    MessageDigest digest = sha256();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      int read;
      while ((read = in.read(buffer)) > 0) {
        digest.update(buffer, 0, read);
      }
    }
    return digest.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }

  private static final class Glob {
    final boolean negate;

    /** One regex per path segment; null stands for a {@code **} segment. */
    final Pattern[] segments;

    private Glob(boolean negate, Pattern[] segments) {
      this.negate = negate;
      this.segments = segments;
    }

    /** Null for blank lines, comments and patterns that point outside the workspace. */
    static Glob of(Path root, String raw) {
      String pattern = raw.strip();
      if (pattern.isEmpty() || pattern.startsWith("#")) {
        return null;
      }
      boolean negate = false;
      while (pattern.startsWith("!")) {
        negate = !negate;
        pattern = pattern.substring(1);
      }
      Path resolved = root.resolve(pattern).normalize();
      if (!resolved.startsWith(root)) {
        return null;
      }
      String relative = root.relativize(resolved).toString().replace('\\', '/');
      if (relative.isEmpty()) {
        return new Glob(negate, new Pattern[] {null});
      }
      String[] parts = relative.split("/");
      Pattern[] segments = new Pattern[parts.length];
      for (int i = 0; i < parts.length; i++) {
        segments[i] = parts[i].equals("**") ? null : Pattern.compile(segmentRegex(parts[i]));
      }
      return new Glob(negate, segments);
    }

    private static String segmentRegex(String segment) {
      StringBuilder regex = new StringBuilder();
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        if (c == '*') {
          regex.append("[^/]*");
        } else if (c == '?') {
          regex.append("[^/]");
        } else if (c == '[' && segment.indexOf(']', i + 2) > 0) {
          int close = segment.indexOf(']', i + 2);
          String body = segment.substring(i + 1, close);
          if (body.startsWith("!")) {
            body = "^" + body.substring(1);
          }
          regex.append('[').append(body.replace("\\", "\\\\").replace("[", "\\[")).append(']');
          i = close;
        } else {
          regex.append(Pattern.quote(String.valueOf(c)));
        }
      }
      return regex.toString();
    }

    /** Whether the pattern matches the path or one of the folders above it. */
    boolean matches(String[] path) {
      for (int length = 1; length <= path.length; length++) {
        if (match(0, path, 0, length)) {
          return true;
        }
      }
      return false;
    }

    private boolean match(int p, String[] path, int s, int length) {
      if (p == segments.length) {
        return s == length;
      }
      if (segments[p] == null) {
        for (int k = s; k <= length; k++) {
          if (match(p + 1, path, k, length)) {
            return true;
          }
        }
        return false;
      }
      return s < length
          && segments[p].matcher(path[s]).matches()
          && match(p + 1, path, s + 1, length);
    }
  }
}
