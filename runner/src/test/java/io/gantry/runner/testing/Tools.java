package io.gantry.runner.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the tests need. Missing ones skip the test on a developer's machine, but fail
 * it when {@code CI=true}: a CI machine that lacks Podman or the registry is broken, and a skipped
 * test there would hide it ({@code scripts/setup} installs them all).
 */
public final class Tools {

  private Tools() {}

  /** Fails (CI) or skips (elsewhere) unless every command is on the PATH. */
  public static void require(String... commands) {
    for (String command : commands) {
      if (find(command) == null) {
        missing(command);
      }
    }
  }

  /** Fails (CI) or skips (elsewhere) the test, saying that {@code what} is not installed. */
  public static void missing(String what) {
    String message = what + " is not installed (scripts/setup installs it) and this test needs it";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail(message + "; CI=true, so this is a failure, not a skip");
    }
    Assumptions.abort(message);
  }

  /** The command's path on the PATH, or null. */
  public static Path find(String command) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * The project's root: the first folder up from the working directory holding etc/containers.conf.
   */
  public static Path projectRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("etc/containers.conf"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no etc/containers.conf above " + Path.of("").toAbsolutePath() + "; run from the project");
  }
}
