package io.gantry.runner.action.image;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What to build and where to push it: the inputs of {@code gantry/build-image}, read and checked.
 * Paths are absolute. Lists and maps keep the order given (the image digest depends on it).
 *
 * @param repository the target repository without tag, e.g. {@code 127.0.0.1:5000/web}
 * @param tags at least one tag; the first is the {@code image} output
 * @param base where the image starts from
 * @param platforms {@code os/architecture} pairs, e.g. {@code linux/amd64}
 * @param java the Java application, or null for {@code type: files}
 * @param layers file layers, on top of the Java layers if any
 * @param container the container configuration
 * @param allowInsecureRegistries whether plain HTTP and unverified TLS may be used for any registry
 */
public record ImageRequest(
    String repository,
    List<String> tags,
    Base base,
    List<String> platforms,
    JavaApp java,
    List<FileLayer> layers,
    Container container,
    boolean allowInsecureRegistries) {

  public ImageRequest {
    tags = List.copyOf(tags);
    platforms = List.copyOf(platforms);
    layers = List.copyOf(layers);
    if (tags.isEmpty()) {
      throw new IllegalArgumentException("an image needs at least one tag");
    }
  }

  /** The image a build starts from. */
  public sealed interface Base {}

  /** The empty image. */
  public record Scratch() implements Base {
    @Override
    public String toString() {
      return "scratch";
    }
  }

  /** An image in a registry, e.g. {@code 127.0.0.1:5000/java-base:17}. */
  public record RegistryBase(String reference) implements Base {
    @Override
    public String toString() {
      return reference;
    }
  }

  /**
   * A tarball written before: {@code docker save} / {@code podman save} format, or an OCI archive.
   */
  public record ArchiveBase(Path path, boolean oci) implements Base {
    @Override
    public String toString() {
      return (oci ? "oci-archive:" : "docker-archive:") + path;
    }
  }

  /**
   * A Java application laid out as the Jib Maven plugin lays it out: {@code /app/resources}, {@code
   * /app/classes} and {@code /app/libs}, each in its own layer, release and snapshot dependencies
   * apart.
   *
   * @param classes a folder of compiled classes (only {@code .class} files are taken), or null
   * @param resources a folder of resources (everything but {@code .class} files), or null
   * @param jar a packaged application jar used instead of classes and resources, or null
   * @param dependencies a folder of jars, or a Maven project whose runtime classpath is resolved,
   *     or null
   * @param mainClass the class with {@code main}, or null to read it from {@code jar}'s manifest
   * @param jvmFlags flags before {@code -cp}
   */
  public record JavaApp(
      Path classes,
      Path resources,
      Path jar,
      Path dependencies,
      String mainClass,
      List<String> jvmFlags) {
    public JavaApp {
      jvmFlags = List.copyOf(jvmFlags);
    }
  }

  /**
   * Files copied into one layer: a file to a path, or a folder's contents below a path.
   *
   * @param from the file or folder on this machine
   * @param to the absolute path in the image; a trailing {@code /} puts a file below it
   * @param mode octal permissions for every file (e.g. {@code 755}), or null to keep only whether
   *     the file is executable ({@code 755} or {@code 644}), so that a checkout's umask does not
   *     change the digest
   */
  public record FileLayer(Path from, String to, String mode) {}

  /**
   * The container configuration; {@code env} and {@code labels} are kept sorted by name. Null or
   * empty means "as the base image has it" (for the entrypoint of a Java application: built from
   * its main class).
   */
  public record Container(
      List<String> entrypoint,
      List<String> cmd,
      String workdir,
      String user,
      Map<String, String> env,
      List<String> ports,
      Map<String, String> labels) {
    public Container {
      entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
      cmd = cmd == null ? null : List.copyOf(cmd);
      // Sorted: Map.copyOf's order changes from one JVM to the next, and so would the digest.
      env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
      ports = List.copyOf(ports);
      labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }
  }
}
