package io.gantry.runner.toolcache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Fills {@code RUNNER_TOOL_CACHE} from the host's installed toolchains, laid out the way GitHub's
 * runner images lay out {@code /opt/hostedtoolcache}, so the real {@code actions/setup-java},
 * {@code setup-node}, {@code setup-go} and {@code setup-python} find them without a download:
 * {@code NAME/VERSION/ARCH} (a link to the installation) next to an empty {@code ARCH.complete}.
 *
 * <p>Idempotent: links Gantry made are kept or re-pointed; folders it did not make (a tool an
 * action downloaded on a host with internet) are left alone.
 */
public final class ToolCache {

  /** One tool the cache offers. */
  public record Tool(String name, String version, String arch, Path installation) {
    @Override
    public String toString() {
      return name + "/" + version + "/" + arch + " -> " + installation;
    }
  }

  private ToolCache() {}

  /** GitHub's name of this machine's architecture ({@code x64}, {@code arm64}). */
  public static String arch() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "x64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "x86";
      default -> arch;
    };
  }

  /**
   * Finds the host's tools and links them into {@code cacheDir}.
   *
   * @param jdkLocations JDK homes, or folders holding JDK homes ({@code /usr/lib/jvm}), in order of
   *     preference; {@code JAVA_HOME} and configured folders go here
   * @param path the PATH to find Node.js, Go and Python on
   * @return what the cache offers now, found by this call
   */
  public static List<Tool> fill(Path cacheDir, List<Path> jdkLocations, String path)
      throws IOException {
    String arch = arch();
    Map<String, Tool> tools = new LinkedHashMap<>();
    for (Jdks.Jdk jdk : Jdks.find(jdkLocations)) {
      for (String folder : jdk.toolCacheFolders()) {
        // The first JDK of a name and version wins: a real Temurin before a generic OpenJDK.
        tools.putIfAbsent(
            folder + "/" + jdk.version(), new Tool(folder, jdk.version(), arch, jdk.home()));
      }
    }
    // The bin/ folders of host tools installed below /usr live in the cache's own hidden folder
    // (no setup action lists names starting with a dot).
    for (Tool tool : HostTools.find(path, arch, cacheDir.resolve(".host"))) {
      tools.putIfAbsent(tool.name() + "/" + tool.version(), tool);
    }
    Files.createDirectories(cacheDir);
    List<Tool> offered = new ArrayList<>();
    for (Tool tool : tools.values()) {
      if (link(cacheDir, tool)) {
        offered.add(tool);
      }
    }
    return offered;
  }

  /** Every {@code NAME/VERSION/ARCH} of the cache that is complete, for {@code gantry tools}. */
  public static List<Tool> list(Path cacheDir) throws IOException {
    List<Tool> tools = new ArrayList<>();
    if (!Files.isDirectory(cacheDir)) {
      return tools;
    }
    try (Stream<Path> names = Files.list(cacheDir)) {
      for (Path name : names.sorted().toList()) {
        if (!Files.isDirectory(name) || name.getFileName().toString().startsWith(".")) {
          continue;
        }
        try (Stream<Path> versions = Files.list(name)) {
          for (Path version : versions.sorted().toList()) {
            try (Stream<Path> archs = Files.list(version)) {
              archs
                  .filter(a -> Files.isDirectory(a))
                  .filter(a -> Files.exists(version.resolve(a.getFileName() + ".complete")))
                  .sorted()
                  .forEach(
                      a ->
                          tools.add(
                              new Tool(
                                  name.getFileName().toString(),
                                  version.getFileName().toString(),
                                  a.getFileName().toString(),
                                  real(a))));
            }
          }
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return tools;
  }

  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p;
    }
  }

  /** Links one tool in; false when a folder Gantry did not make is already there (kept). */
  private static boolean link(Path cacheDir, Tool tool) throws IOException {
    Path versionDir = cacheDir.resolve(tool.name()).resolve(tool.version());
    Path entry = versionDir.resolve(tool.arch());
    Path complete = versionDir.resolve(tool.arch() + ".complete");
    Files.createDirectories(versionDir);
    if (Files.isSymbolicLink(entry)) {
      if (Files.readSymbolicLink(entry).equals(tool.installation())) {
        Files.write(complete, new byte[0]);
        return true;
      }
      Files.delete(entry);
    } else if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
      return Files.exists(complete);
    }
    Files.createSymbolicLink(entry, tool.installation());
    Files.write(complete, new byte[0]);
    return true;
  }
}
