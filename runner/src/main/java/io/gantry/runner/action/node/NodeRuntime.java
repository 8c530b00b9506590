package io.gantry.runner.action.node;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's Node.js that JavaScript actions run on: its executable and major version.
 *
 * @param executable an absolute path
 * @param version as {@code node --version} prints it, without the {@code v} ({@code 20.20.2})
 */
public record NodeRuntime(Path executable, String version) {

  private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");

  /** The major version (20 for 20.20.2). */
  public int major() {
    return Integer.parseInt(version.substring(0, version.indexOf('.')));
  }

  /**
   * Finds Node.js: {@code configured} when given (a file, or a name looked up on the PATH), else
   * {@code node} then {@code nodejs} (Debian's name) on {@code path}.
   *
   * @param path the PATH to search, as in the environment
   * @throws NodeActionException with what was tried and how to fix it
   */
  public static NodeRuntime locate(String configured, String path) throws NodeActionException {
    String[] names =
        configured != null && !configured.isBlank()
            ? new String[] {configured}
            : new String[] {"node", "nodejs"};
    for (String name : names) {
      Path found = find(name, path == null ? "" : path);
      if (found != null) {
        return new NodeRuntime(found, version(found));
      }
    }
    throw new NodeActionException(
        "Node.js is not installed: no "
            + String.join(" or ", names)
            + (configured != null && !configured.isBlank() ? "" : " on the PATH")
            + "; JavaScript actions need it: install it (apt-get install nodejs) or set"
            + " runner.node in gantry.yml to its path");
  }

  private static Path find(String name, String path) {
    if (name.contains("/")) {
      Path p = Path.of(name).toAbsolutePath();
      return Files.isExecutable(p) && !Files.isDirectory(p) ? p : null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p.toAbsolutePath();
      }
    }
    return null;
  }

  private static String version(Path executable) throws NodeActionException {
    try {
      Process p =
          new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new NodeActionException(executable + " --version did not answer within 30 s");
      }
      Matcher m = VERSION.matcher(out);
      if (p.exitValue() != 0 || !m.lookingAt()) {
        throw new NodeActionException(
            executable + " is not a working Node.js: '--version' printed '" + out + "'");
      }
      return m.group(1) + "." + m.group(2) + "." + m.group(3);
    } catch (IOException e) {
      throw new NodeActionException("cannot run " + executable + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeActionException("interrupted while asking " + executable + " its version", e);
    }
  }
}
