package io.gantry.cli;

import io.gantry.runner.action.image.BuiltImage;
import io.gantry.runner.action.image.ImageBuilder;
import io.gantry.runner.action.image.ImageException;
import io.gantry.runner.action.image.JavaRuntimeBase;
import io.gantry.runner.action.image.RegistryCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gantry base-image}: assembles a Java runtime base image from the JDK running Gantry (jlink
 * + the shared libraries it needs) and pushes it, for machines that cannot pull one.
 */
@Command(
    name = "base-image",
    mixinStandardHelpOptions = true,
    description = {
      "Builds a Java runtime base image from this machine's JDK (a jlinked runtime in"
          + " /opt/java/openjdk and the shared libraries ldd lists for it, no shell) and pushes"
          + " it to REPOSITORY, for use as 'base:' of gantry/build-image.",
      "Prints the pushed image's immutable reference (REPOSITORY@sha256:...) last.",
      "Credentials: --username with the password on standard input (--password-stdin), else"
          + " the Docker config.json ($DOCKER_CONFIG or ~/.docker).",
      "Exit status 0 when pushed, 2 otherwise."
    })
final class BaseImageCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "REPOSITORY",
      description = "Where to push, e.g. 127.0.0.1:5000/java-base.")
  String repository;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "TAG",
      description = "A tag (repeatable; default: the Java feature version, e.g. 17).")
  List<String> tags;

  @Option(
      names = "--modules",
      paramLabel = "MODULE",
      split = ",",
      description = "The modules of the runtime (default: ${DEFAULT-VALUE}).",
      defaultValue = "java.base,java.logging,jdk.httpserver,jdk.crypto.ec")
  List<String> modules;

  @Option(
      names = "--allow-insecure-registries",
      description = "Allow plain HTTP and unverified TLS (not needed for a registry on 127.0.0.1).")
  boolean insecure;

  @Option(names = "--username", paramLabel = "USER", description = "Registry user name.")
  String username;

  @Option(
      names = "--password-stdin",
      description = "Read the registry password from standard input.")
  boolean passwordStdin;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Gantry's data folder, for the layer cache (default: $GANTRY_DATA_DIR, else"
              + " ~/.local/share/gantry).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String password = "";
    if (passwordStdin) {
      password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    if ((username == null || username.isEmpty()) != password.isEmpty()) {
      err.println("gantry base-image: give --username and --password-stdin together, or neither");
      return Gantry.BAD_INPUT;
    }
    List<String> tagList =
        tags == null || tags.isEmpty()
            ? List.of(Integer.toString(Runtime.version().feature()))
            : tags;
    Path data = dataDir != null ? dataDir : Settings.defaultDataDir();
    Path work = Files.createTempDirectory("gantry-base-image");
    try {
      RegistryCredentials credentials =
          new RegistryCredentials(
              host -> Optional.empty(),
              repository,
              username == null ? "" : username,
              password,
              System.getenv(),
              secret -> {});
      ImageBuilder builder =
          new ImageBuilder(
              data.resolve("cache").resolve("jib"),
              line -> {
                out.println(line);
                out.flush();
              },
              System.getenv(),
              () -> Thread.currentThread().isInterrupted(),
              ImageBuilder.Options.defaults());
      BuiltImage image =
          JavaRuntimeBase.push(repository, tagList, modules, insecure, work, builder, credentials);
      out.println(image.imageRef());
      return Gantry.OK;
    } catch (ImageException e) {
      err.println("gantry base-image: " + e.getMessage());
      return Gantry.BAD_INPUT;
    } finally {
      deleteTree(work);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
