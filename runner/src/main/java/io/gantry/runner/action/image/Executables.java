package io.gantry.runner.action.image;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Programs as a step would find them: on the step's {@code PATH}, not the JVM's. */
final class Executables {

  private Executables() {}

  /** The first executable file named {@code name} on {@code env}'s {@code PATH}, or null. */
  static Path onPath(String name, Map<String, String> env) {
    String path = env.get("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }
}
