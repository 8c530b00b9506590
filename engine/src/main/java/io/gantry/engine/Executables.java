package io.gantry.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds programs on the PATH (and in the usual system folders, which a service's PATH may lack).
 */
public final class Executables {

  private Executables() {}

  /** The program's path, or null when it is not installed. */
  public static String which(String command) {
    String path = System.getenv("PATH");
    List<String> dirs = new ArrayList<>(List.of(path == null ? new String[0] : path.split(":")));
    dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"));
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
