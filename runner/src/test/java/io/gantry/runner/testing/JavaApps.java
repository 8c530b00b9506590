package io.gantry.runner.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A small Java service for image tests, compiled here: {@code app.Main} answers {@code GET /} on
 * port 8080 (or {@code $PORT}) with a greeting built from a class of a release dependency jar
 * ({@code lib-1.0.jar}), a class of a snapshot dependency jar ({@code snap-2.0-SNAPSHOT.jar}) and a
 * resource file, the way a Maven build leaves them: {@code target/classes} (classes and the
 * resource together) and {@code target/dependency}.
 */
public final class JavaApps {

  private JavaApps() {}

  /** The Maven-like layout of the service below {@code project}, built with {@code greeting}. */
  public static void create(Path project, String greeting) throws IOException {
    Path deps = Files.createDirectories(project.resolve("target/dependency"));
    Path libClasses = compile(project.resolve("build/lib"), Map.of("lib/Lib.java", LIB), List.of());
    jar(libClasses, deps.resolve("lib-1.0.jar"), null);
    Path snapClasses =
        compile(project.resolve("build/snap"), Map.of("snap/Snap.java", SNAP), List.of());
    jar(snapClasses, deps.resolve("snap-2.0-SNAPSHOT.jar"), null);
    writeMain(project, greeting);
    Files.writeString(
        Files.createDirectories(project.resolve("target/classes/app")).resolve("motto.txt"),
        "layers all the way down");
  }

  /** Recompiles {@code app.Main} with another greeting: the one-class change. */
  public static void writeMain(Path project, String greeting) throws IOException {
    Path classes = Files.createDirectories(project.resolve("target/classes"));
    compile(
        project.resolve("build/app"),
        Map.of("app/Main.java", MAIN.replace("GREETING", greeting)),
        List.of(
            project.resolve("target/dependency/lib-1.0.jar"),
            project.resolve("target/dependency/snap-2.0-SNAPSHOT.jar")));
    Files.copy(
        project.resolve("build/app/classes/app/Main.class"),
        Files.createDirectories(classes.resolve("app")).resolve("Main.class"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Compiles sources (path to text) into {@code dir/classes}, which it returns. */
  public static Path compile(Path dir, Map<String, String> sources, List<Path> classpath)
      throws IOException {
    Path src = dir.resolve("src");
    Path classes = Files.createDirectories(dir.resolve("classes"));
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--release", "17", "-d", classes.toString()));
    if (!classpath.isEmpty()) {
      args.add("-cp");
      args.add(String.join(":", classpath.stream().map(Path::toString).toList()));
    }
    for (Map.Entry<String, String> source : sources.entrySet()) {
      Path file = src.resolve(source.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, source.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int exit =
        javac.run(null, OutputStream.nullOutputStream(), errors, args.toArray(String[]::new));
    if (exit != 0) {
      throw new IllegalStateException("javac failed: " + errors.toString(StandardCharsets.UTF_8));
    }
    return classes;
  }

  /** Jars a folder of classes; with a {@code Main-Class} when {@code mainClass} is not null. */
  public static void jar(Path classes, Path jar, String mainClass) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (mainClass != null) {
      manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
    }
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out, manifest);
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        JarEntry entry = new JarEntry(classes.relativize(file).toString());
        entry.setLastModifiedTime(FileTime.fromMillis(0));
        jarOut.putNextEntry(entry);
        Files.copy(file, jarOut);
        jarOut.closeEntry();
      }
    }
  }

  private static final String LIB =
      "package lib;\n"
          + "public final class Lib {\n"
          + "  public static String name() { return \"lib 1.0\"; }\n"
          + "}\n";

  private static final String SNAP =
      "package snap;\n"
          + "public final class Snap {\n"
          + "  public static String name() { return \"snap 2.0-SNAPSHOT\"; }\n"
          + "}\n";

  private static final String MAIN =
      "package app;\n"
          + "import com.sun.net.httpserver.HttpServer;\n"
          + "import java.io.InputStream;\n"
          + "import java.net.InetSocketAddress;\n"
          + "import java.nio.charset.StandardCharsets;\n"
          + "public final class Main {\n"
          + "  public static void main(String[] args) throws Exception {\n"
          + "    int port = Integer.parseInt(System.getenv().getOrDefault(\"PORT\", \"8080\"));\n"
          + "    String motto;\n"
          + "    try (InputStream in = Main.class.getResourceAsStream(\"motto.txt\")) {\n"
          + "      motto = new String(in.readAllBytes(), StandardCharsets.UTF_8);\n"
          + "    }\n"
          + "    String body = \"GREETING from \" + lib.Lib.name() + \" and \" + snap.Snap.name()\n"
          + "        + \"; \" + motto + \"; args=\" + String.join(\",\", args);\n"
          + "    HttpServer server = HttpServer.create(new InetSocketAddress(\"0.0.0.0\", port),"
          + " 0);\n"
          + "    server.createContext(\"/\", exchange -> {\n"
          + "      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);\n"
          + "      exchange.sendResponseHeaders(200, bytes.length);\n"
          + "      exchange.getResponseBody().write(bytes);\n"
          + "      exchange.close();\n"
          + "    });\n"
          + "    server.start();\n"
          + "  }\n"
          + "}\n";
}
