package io.gantry.runner.artifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files an upload's {@code path:} names, by the rules of GitHub's {@code @actions/glob} as
 * {@code upload-artifact} uses it: one pattern a line ({@code #} lines are comments), {@code *},
 * {@code ?}, {@code [abc]} within a segment and {@code **} across them, a matched folder meaning
 * everything below it, {@code !} lines excluding, {@code ~} as the home folder, relative lines from
 * the workspace, hidden files and folders (a name starting with {@code .}) left out unless asked
 * for. The artifact's root is the common folder of the patterns' literal beginnings (a single file
 * named without a wildcard goes in at the top). Every pattern and every file, links followed, must
 * be inside the workspace.
 */
final class ArtifactPaths {

  /** The most files one artifact may hold. */
  static final int MAX_FILES = 100_000;

  private ArtifactPaths() {}

  /** A pattern of {@code path:}, made absolute. */
  private record Line(Path literal, Pattern regex) {}

  static ArtifactStore.Selection select(Path workspace, String paths, boolean includeHidden)
      throws ArtifactException {
    Path root = workspace.toAbsolutePath().normalize();
    Path realRoot;
    try {
      realRoot = root.toRealPath();
    } catch (IOException e) {
      throw new ArtifactException("the workspace " + root + " is missing");
    }
    List<Line> includes = new ArrayList<>();
    List<Line> excludes = new ArrayList<>();
    for (String raw : paths.split("\n", -1)) {
      String text = raw.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      boolean exclude = text.startsWith("!");
      if (exclude) {
        text = text.substring(1).strip();
      }
      Line line = parse(root, text, raw.strip());
      (exclude ? excludes : includes).add(line);
    }
    if (includes.isEmpty()) {
      throw new ArtifactException("'path' names no file; give a file, folder or wildcard pattern");
    }
    List<Path> searchPaths = searchPaths(includes);
    Set<Path> found = new TreeSet<>();
    for (Path search : searchPaths) {
      if (!Files.exists(search)) {
        continue;
      }
      try (Stream<Path> tree = Files.walk(search, FileVisitOption.FOLLOW_LINKS)) {
        for (Path file : (Iterable<Path>) tree::iterator) {
          if (!Files.isRegularFile(file)
              || !matches(file, includes)
              || matches(file, excludes)
              || (!includeHidden && hidden(search, file))) {
            continue;
          }
          Path real = file.toRealPath();
          if (!real.startsWith(realRoot)) {
            throw new ArtifactException(
                "'"
                    + root.relativize(file)
                    + "' links to "
                    + real
                    + ", outside the workspace; only files of the workspace can be uploaded");
          }
          found.add(file);
          if (found.size() > MAX_FILES) {
            throw new ArtifactException(
                "'path' matches more than " + MAX_FILES + " files; upload fewer or archive them");
          }
        }
      } catch (FileSystemLoopException e) {
        throw new ArtifactException("a link below " + search + " loops back to " + e.getFile());
      } catch (IOException | UncheckedIOException e) {
        throw new ArtifactException("cannot read " + search + ": " + e.getMessage(), e);
      }
    }
    List<Path> files = List.copyOf(found);
    Path base;
    if (searchPaths.size() > 1) {
      base = commonAncestor(searchPaths);
    } else if (files.size() == 1 && files.get(0).equals(searchPaths.get(0))) {
      base = files.get(0).getParent();
    } else {
      base = searchPaths.get(0);
    }
    for (Path file : files) {
      String problem = ArtifactNames.pathProblem(base.relativize(file).toString());
      if (problem != null) {
        throw new ArtifactException(problem);
      }
    }
    return new ArtifactStore.Selection(base, files);
  }

  private static Line parse(Path root, String pattern, String asWritten) throws ArtifactException {
    String text = pattern;
    if (text.equals("~") || text.startsWith("~/")) {
      text = System.getProperty("user.home") + text.substring(1);
    }
    Path absolute = root.resolve(text).normalize();
    if (!absolute.startsWith(root)) {
      throw new ArtifactException(
          "'"
              + asWritten
              + "' is outside the workspace "
              + root
              + "; artifacts are made of the workspace's files (copy them there first)");
    }
    List<String> literal = new ArrayList<>();
    StringBuilder regex = new StringBuilder();
    boolean wild = false;
    for (Path segment : absolute) {
      String name = segment.toString();
      if (!wild && !isWild(name)) {
        literal.add(name);
      } else {
        wild = true;
      }
      if (name.equals("**")) {
        regex.append("(/[^/]+)*");
      } else {
        regex.append('/').append(segmentRegex(name));
      }
    }
    Path literalPath = absolute.getRoot();
    for (String name : literal) {
      literalPath = literalPath.resolve(name);
    }
    // A matched folder stands for everything below it.
    return new Line(literalPath, Pattern.compile(regex + "(/.*)?"));
  }

  private static boolean isWild(String segment) {
    return segment.indexOf('*') >= 0 || segment.indexOf('?') >= 0 || segment.indexOf('[') >= 0;
  }

  private static String segmentRegex(String segment) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c == '*') {
        out.append("[^/]*");
      } else if (c == '?') {
        out.append("[^/]");
      } else if (c == '[' && segment.indexOf(']', i + 2) > 0) {
        int end = segment.indexOf(']', i + 2);
        String body = segment.substring(i + 1, end);
        boolean negated = body.startsWith("!");
        if (negated) {
          body = body.substring(1);
        }
        out.append('[').append(negated ? "^" : "");
        for (int j = 0; j < body.length(); j++) {
          char b = body.charAt(j);
          if (b != '-' && !Character.isLetterOrDigit(b)) {
            out.append('\\');
          }
          out.append(b);
        }
        out.append(']');
        i = end;
      } else {
        out.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return out.toString();
  }

  private static boolean matches(Path file, List<Line> lines) {
    String text = file.toString();
    for (Line line : lines) {
      if (line.regex().matcher(text).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Whether a name from the search path down to the file starts with a dot. */
  private static boolean hidden(Path search, Path file) {
    Path from = search.getParent() == null ? search : search.getParent();
    for (Path name : from.relativize(file)) {
      if (name.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** The literal beginnings of the include patterns, without those inside another. */
  private static List<Path> searchPaths(List<Line> includes) {
    List<Path> all = new ArrayList<>();
    for (Line line : includes) {
      if (!all.contains(line.literal())) {
        all.add(line.literal());
      }
    }
    List<Path> kept = new ArrayList<>();
    for (Path path : all) {
      boolean inside =
          all.stream().anyMatch(other -> !other.equals(path) && path.startsWith(other));
      if (!inside) {
        kept.add(path);
      }
    }
    return kept;
  }

  private static Path commonAncestor(List<Path> paths) {
    Path common = paths.get(0);
    for (Path path : paths) {
      while (!path.startsWith(common)) {
        common = common.getParent();
      }
    }
    return common;
  }
}
