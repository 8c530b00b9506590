package io.gantry.runner.action.image;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The runtime classpath of a Maven project, resolved by the {@code mvn} on the step's {@code PATH}
 * with {@code dependency:build-classpath -DincludeScope=runtime}: the jars stay where Maven keeps
 * them (the local repository), nothing is copied. The project's own settings (repositories,
 * mirrors, {@code MAVEN_OPTS}, offline mode in {@code settings.xml}) apply.
 */
final class MavenClasspath {

  private static final long TIMEOUT_MINUTES = 10;

  private MavenClasspath() {}

  static List<Path> resolve(Path project, Map<String, String> env, BooleanSupplier cancelled)
      throws ImageException, InterruptedException {
    Path mvn = Executables.onPath("mvn", env);
    if (mvn == null) {
      throw new ImageException(
          "input 'dependencies' is a Maven project ("
              + project
              + ") but mvn is not on the PATH; install Maven or give a folder of jars");
    }
    Path output = null;
    Path log = null;
    try {
      output = Files.createTempFile("gantry-classpath", ".txt");
      log = Files.createTempFile("gantry-mvn", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(
              mvn.toString(),
              "-B",
              "-q",
              "-ntp",
              "-Dstyle.color=never",
              "dependency:build-classpath",
              "-DincludeScope=runtime",
              "-Dmdep.outputFile=" + output);
      builder.directory(project.toFile());
      builder.environment().clear();
      builder.environment().putAll(env);
      builder.redirectErrorStream(true);
      builder.redirectOutput(log.toFile());
      Process process = builder.start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
      try {
        while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
          if (cancelled.getAsBoolean() || System.nanoTime() - deadline > 0) {
            throw new ImageException(
                "resolving the runtime classpath of " + project + " with mvn was stopped");
          }
        }
      } finally {
        if (process.isAlive()) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
        }
      }
      if (process.exitValue() != 0) {
        throw new ImageException(
            "resolving the runtime classpath of "
                + project
                + " failed (mvn dependency:build-classpath exit "
                + process.exitValue()
                + "): "
                + firstError(Files.readAllLines(log, StandardCharsets.UTF_8)));
      }
      String classpath = Files.readString(output, StandardCharsets.UTF_8).strip();
      List<Path> jars = new ArrayList<>();
      for (String entry : classpath.split(File.pathSeparator)) {
        if (!entry.isBlank()) {
          jars.add(Path.of(entry.strip()));
        }
      }
      return jars;
    } catch (IOException e) {
      throw new ImageException(
          "resolving the runtime classpath of " + project + " failed: " + e.getMessage());
    } finally {
      deleteQuietly(output);
      deleteQuietly(log);
    }
  }

  private static String firstError(List<String> lines) {
    for (String line : lines) {
      if (line.startsWith("[ERROR]") && line.length() > 8) {
        String text = line.substring(7).strip();
        return text.length() > 400 ? text.substring(0, 400) + "…" : text;
      }
    }
    return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).strip();
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // A temp file left behind is harmless.
      }
    }
  }
}
