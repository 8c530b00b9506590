package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import io.gantry.runner.action.image.ImageRequest.Container;
import io.gantry.runner.action.image.ImageRequest.Scratch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A Java runtime base image assembled from this machine's JDK, for machines that cannot pull one: a
 * {@code jlink}ed runtime of a few modules ({@code --strip-debug --no-header-files --no-man-pages})
 * in {@code /opt/java/openjdk}, and in a layer below it the shared libraries {@code ldd} lists for
 * the runtime's binaries and libraries (the C library, the dynamic loader, zlib, libstdc++), a
 * {@code /tmp} and a minimal {@code /etc/passwd} (root, nobody). {@code JAVA_HOME} and {@code PATH}
 * point at the runtime. No shell, no package manager.
 *
 * <p>The same JDK and modules give the same layers, so pushing twice gives the same digest (jlink's
 * {@code generate-jli-classes} plugin is off: what it generates depends on the JVM running it).
 */
public final class JavaRuntimeBase {

  /** Enough for an HTTP service on {@code jdk.httpserver}, with logging and TLS. */
  public static final List<String> DEFAULT_MODULES =
      List.of("java.base", "java.logging", "jdk.httpserver", "jdk.crypto.ec");

  /** Where the runtime goes in the image. */
  public static final String JAVA_HOME = "/opt/java/openjdk";

  private JavaRuntimeBase() {}

  /**
   * Builds the base image from the running JDK and pushes it.
   *
   * @param repository where to push, e.g. {@code 127.0.0.1:5000/java-base}
   * @param tags its tags
   * @param modules the modules the runtime holds
   * @param work an empty folder for the runtime and libraries (may be deleted afterwards)
   */
  public static BuiltImage push(
      String repository,
      List<String> tags,
      List<String> modules,
      boolean allowInsecureRegistries,
      Path work,
      ImageBuilder builder,
      RegistryCredentials credentials)
      throws ImageException, InterruptedException {
    if (!Registries.isValidReference(repository)) {
      throw new ImageException(
          "'" + repository + "' is not a repository name, e.g. 127.0.0.1:5000/java-base");
    }
    Path runtime = work.resolve("runtime");
    jlink(modules, runtime);
    List<Path> libraries = libraries(runtime);
    try {
      FileEntriesLayer system = systemLayer(libraries, work);
      FileEntriesLayer java =
          FileEntriesLayer.builder()
              .setName("java runtime")
              .addEntryRecursive(
                  runtime,
                  AbsoluteUnixPath.get(JAVA_HOME),
                  (source, target) ->
                      Files.isDirectory(source) || Files.isExecutable(source)
                          ? FilePermissions.DEFAULT_FOLDER_PERMISSIONS
                          : FilePermissions.DEFAULT_FILE_PERMISSIONS,
                  FileEntriesLayer.DEFAULT_MODIFICATION_TIME_PROVIDER)
              .build();
      Map<String, String> env = new LinkedHashMap<>();
      env.put("JAVA_HOME", JAVA_HOME);
      env.put(
          "PATH", JAVA_HOME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      env.put("LANG", "C.UTF-8");
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("org.opencontainers.image.title", "Java runtime from jlink");
      labels.put(
          "org.opencontainers.image.description",
          "OpenJDK "
              + System.getProperty("java.runtime.version")
              + " jlinked with "
              + String.join(",", modules));
      labels.put("io.gantry.java.modules", String.join(",", modules));
      ImageRequest request =
          new ImageRequest(
              repository,
              tags,
              new Scratch(),
              List.of("linux/" + architecture()),
              null,
              List.of(),
              new Container(null, null, null, null, env, List.of(), labels),
              allowInsecureRegistries);
      return builder.build(request, credentials, List.of(system, java));
    } catch (IOException e) {
      throw new ImageException("assembling the base image failed: " + e.getMessage(), e);
    }
  }

  private static void jlink(List<String> modules, Path output) throws ImageException {
    ToolProvider jlink =
        ToolProvider.findFirst("jlink")
            .orElseThrow(
                () ->
                    new ImageException(
                        "jlink is not part of the Java running Gantry ("
                            + System.getProperty("java.home")
                            + "); run it with a JDK (e.g. openjdk-17-jdk-headless)"));
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(messages, true, StandardCharsets.UTF_8)) {
      int exit =
          jlink.run(
              out,
              out,
              "--add-modules",
              String.join(",", modules),
              "--strip-debug",
              "--no-header-files",
              "--no-man-pages",
              // The classes this plugin pre-generates depend on the state of the JVM running
              // jlink; without it the same JDK and modules give the same runtime, byte for byte.
              "--disable-plugin",
              "generate-jli-classes",
              "--output",
              output.toString());
      if (exit != 0) {
        throw new ImageException(
            "jlink failed (exit "
                + exit
                + "): "
                + messages.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s*\\n\\s*", " "));
      }
    }
  }

  /** The shared libraries outside the runtime that its binaries and libraries need. */
  private static List<Path> libraries(Path runtime) throws ImageException {
    List<Path> binaries = new ArrayList<>();
    try (Stream<Path> files = Files.walk(runtime)) {
      files
          .filter(Files::isRegularFile)
          .filter(
              p ->
                  p.getFileName().toString().endsWith(".so")
                      || p.getParent().getFileName().toString().equals("bin"))
          .sorted()
          .forEach(binaries::add);
    } catch (IOException e) {
      throw new ImageException("cannot list the runtime in " + runtime + ": " + e.getMessage());
    }
    TreeSet<Path> libraries = new TreeSet<>();
    for (Path binary : binaries) {
      for (String line : ldd(binary)) {
        String path = null;
        int arrow = line.indexOf("=> ");
        if (arrow >= 0) {
          path = line.substring(arrow + 3).strip();
        } else if (line.strip().startsWith("/")) {
          path = line.strip();
        }
        if (path == null || path.startsWith("not found")) {
          continue;
        }
        int paren = path.indexOf(" (");
        if (paren >= 0) {
          path = path.substring(0, paren);
        }
        Path library = Path.of(path);
        if (library.isAbsolute() && !library.normalize().startsWith(runtime.toAbsolutePath())) {
          libraries.add(library);
        }
      }
    }
    return List.copyOf(libraries);
  }

  private static List<String> ldd(Path binary) throws ImageException {
    try {
      Process process =
          new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new ImageException("ldd " + binary + " did not finish within 30 s");
      }
      // ldd exits 1 for files that are not dynamic executables (e.g. a static helper): skip them.
      return process.exitValue() == 0
          ? new String(out, StandardCharsets.UTF_8).lines().toList()
          : List.of();
    } catch (IOException e) {
      throw new ImageException(
          "cannot run ldd (from the libc-bin package) on " + binary + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while running ldd");
    }
  }

  private static FileEntriesLayer systemLayer(List<Path> libraries, Path work) throws IOException {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("system libraries");
    for (Path library : libraries) {
      // The library's content at the path ldd names (a symbolic link is followed).
      layer.addEntry(
          library.toRealPath(),
          AbsoluteUnixPath.get(library.toString()),
          FilePermissions.DEFAULT_FOLDER_PERMISSIONS);
    }
    Path tmp = Files.createDirectories(work.resolve("tmp"));
    layer.addEntry(tmp, AbsoluteUnixPath.get("/tmp"), FilePermissions.fromOctalString("777"));
    Path passwd = work.resolve("passwd");
    Files.writeString(
        passwd,
        "root:x:0:0:root:/root:/sbin/nologin\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n");
    Path group = work.resolve("group");
    Files.writeString(group, "root:x:0:\nnogroup:x:65534:\n");
    layer.addEntry(
        passwd, AbsoluteUnixPath.get("/etc/passwd"), FilePermissions.DEFAULT_FILE_PERMISSIONS);
    layer.addEntry(
        group, AbsoluteUnixPath.get("/etc/group"), FilePermissions.DEFAULT_FILE_PERMISSIONS);
    return layer.build();
  }

  private static String architecture() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }
}
