package io.gantry.runner.toolcache;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Node.js, Go and Python found on the PATH, as their setup actions expect them in the tool cache:
 * {@code node/VERSION/ARCH} and {@code Python/VERSION/ARCH} holding {@code bin/}, {@code
 * go/VERSION/ARCH} being GOROOT. Node.js and Python are installed below {@code /usr} by Debian, so
 * their entry is a folder of Gantry's own with links to the executables, not {@code /usr}.
 */
final class HostTools {

  private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

  private HostTools() {}

  static List<ToolCache.Tool> find(String path, String arch, Path linksDir) throws IOException {
    List<ToolCache.Tool> tools = new ArrayList<>();
    Path node = which("node", path);
    if (node != null) {
      String version = version(node, "--version");
      if (version != null) {
        tools.add(
            new ToolCache.Tool(
                "node",
                version,
                arch,
                binFolder(
                    linksDir, "node", version, node, List.of("npm", "npx", "corepack"), path)));
      }
    }
    Path go = which("go", path);
    if (go != null) {
      String version = version(go, "version");
      String goroot = output(go, "env", "GOROOT");
      if (version != null && goroot != null && !goroot.isBlank()) {
        tools.add(new ToolCache.Tool("go", version, arch, Path.of(goroot.strip())));
      }
    }
    Path python = which("python3", path);
    if (python != null) {
      String version = version(python, "--version");
      if (version != null) {
        tools.add(
            new ToolCache.Tool(
                "Python",
                version,
                arch,
                binFolder(linksDir, "python", version, python, List.of("pip3", "pip"), path)));
      }
    }
    return tools;
  }

  /**
   * A folder {@code bin/} of links to the executable (also as its short name: {@code python} for
   * {@code python3}) and its companions, below {@code linksDir}.
   */
  private static Path binFolder(
      Path linksDir,
      String name,
      String version,
      Path executable,
      List<String> companions,
      String path)
      throws IOException {
    Path root = linksDir.resolve(name).resolve(version);
    Path bin = Files.createDirectories(root.resolve("bin"));
    relink(bin.resolve(executable.getFileName().toString()), executable);
    relink(bin.resolve(name), executable);
    for (String companion : companions) {
      Path found = which(companion, path);
      if (found != null) {
        relink(bin.resolve(companion), found);
      }
    }
    return root;
  }

  private static void relink(Path link, Path target) throws IOException {
    if (Files.isSymbolicLink(link)) {
      if (Files.readSymbolicLink(link).equals(target)) {
        return;
      }
      Files.delete(link);
    } else if (Files.exists(link)) {
      return;
    }
    Files.createSymbolicLink(link, target);
  }

  static Path which(String name, String path) {
    for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p) && !Files.isDirectory(p)) {
          return p.toAbsolutePath();
        }
      }
    }
    return null;
  }

  /** The first x.y[.z] in what the tool prints, as x.y.z. */
  private static String version(Path executable, String flag) {
    String out = output(executable, flag);
    if (out == null) {
      return null;
    }
    Matcher m = VERSION.matcher(out);
    if (!m.find()) {
      return null;
    }
    return m.group(1) + "." + m.group(2) + "." + (m.group(3) != null ? m.group(3) : "0");
  }

  private static String output(Path executable, String... args) {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readNBytes(8192), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
