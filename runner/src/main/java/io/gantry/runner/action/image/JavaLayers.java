package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.JavaContainerBuilder;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.MainClassFinder;
import io.gantry.runner.action.image.ImageRequest.JavaApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A Java application in the Jib Maven plugin's layout: release dependencies, snapshot dependencies,
 * resources and classes (or the packaged jar), each its own layer, so a change to one class
 * rebuilds and pushes the classes layer only. The entrypoint is {@code java JVM-FLAGS -cp
 * /app/resources:/app/classes:/app/libs/* MAIN-CLASS}.
 */
final class JavaLayers {

  private JavaLayers() {}

  /**
   * Adds the application's layers and entrypoint to {@code builder}.
   *
   * @param log receives one line about what was found (dependencies, main class)
   */
  static JibContainerBuilder add(
      JavaContainerBuilder builder,
      JavaApp app,
      Map<String, String> env,
      BooleanSupplier cancelled,
      Consumer<String> log)
      throws ImageException, IOException, InterruptedException {
    String mainClass = mainClass(app);
    // The classpath follows the order of these calls, as the Jib Maven plugin orders it.
    if (app.resources() != null) {
      builder.addResources(app.resources(), path -> !isClassFile(path));
    }
    if (app.classes() != null) {
      builder.addClasses(app.classes(), JavaLayers::isClassFile);
    }
    List<Path> jars = dependencies(app, env, cancelled);
    List<Path> releases = new ArrayList<>();
    List<Path> snapshots = new ArrayList<>();
    for (Path jar : jars) {
      (jar.getFileName().toString().contains("SNAPSHOT") ? snapshots : releases).add(jar);
    }
    if (!releases.isEmpty()) {
      builder.addDependencies(releases);
    }
    if (!snapshots.isEmpty()) {
      builder.addSnapshotDependencies(snapshots);
    }
    if (app.jar() != null) {
      builder.addProjectDependencies(app.jar());
    }
    builder.addJvmFlags(app.jvmFlags());
    builder.setMainClass(mainClass);
    log.accept(
        "Java application: main class "
            + mainClass
            + ", "
            + releases.size()
            + " release and "
            + snapshots.size()
            + " snapshot dependencies"
            + (app.jar() != null ? ", packaged jar " + app.jar().getFileName() : ""));
    return builder.toContainerBuilder();
  }

  private static List<Path> dependencies(
      JavaApp app, Map<String, String> env, BooleanSupplier cancelled)
      throws ImageException, IOException, InterruptedException {
    Path dependencies = app.dependencies();
    if (dependencies == null) {
      return List.of();
    }
    if (Files.isRegularFile(dependencies.resolve("pom.xml"))) {
      return MavenClasspath.resolve(dependencies, env, cancelled);
    }
    try (Stream<Path> files = Files.list(dependencies)) {
      List<Path> jars =
          files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
      if (jars.isEmpty()) {
        throw new ImageException(
            "input 'dependencies' ("
                + dependencies
                + ") holds neither .jar files nor a pom.xml; give a folder of jars or a Maven"
                + " project");
      }
      return jars;
    }
  }

  private static String mainClass(JavaApp app) throws ImageException, IOException {
    if (app.mainClass() != null) {
      return app.mainClass();
    }
    if (app.jar() != null) {
      try (JarFile jar = new JarFile(app.jar().toFile())) {
        Manifest manifest = jar.getManifest();
        String main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
        if (main != null && !main.isBlank()) {
          return main.strip();
        }
      }
      throw new ImageException(
          "input 'main-class' is missing and the manifest of "
              + app.jar().getFileName()
              + " names no Main-Class; give main-class, e.g. com.example.Main");
    }
    List<Path> classFiles;
    try (Stream<Path> files = Files.walk(app.classes())) {
      classFiles = files.filter(JavaLayers::isClassFile).sorted().toList();
    }
    List<String> candidates = MainClassFinder.find(classFiles, event -> {}).getFoundMainClasses();
    throw new ImageException(
        "input 'main-class' is missing: type java needs the class whose main() starts the"
            + " application"
            + (candidates.isEmpty()
                ? ", e.g. com.example.Main (no class in " + app.classes() + " has a main method)"
                : "; classes with a main method: " + String.join(", ", candidates)));
  }

  private static boolean isClassFile(Path path) {
    return path.getFileName().toString().endsWith(".class");
  }
}
