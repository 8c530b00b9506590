package io.gantry.runner.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File-tree chores of the mirrors and checkouts; links are removed, never followed. */
final class Folders {

  private Folders() {}

  /** Creates {@code dir} or deletes everything in it (links are removed, never followed). */
  static void empty(Path dir) throws IOException {
    if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> entries = Files.list(dir)) {
        for (Path entry : entries.toList()) {
          deleteTree(entry);
        }
      }
    } else {
      Files.deleteIfExists(dir);
      Files.createDirectories(dir);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(root)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
