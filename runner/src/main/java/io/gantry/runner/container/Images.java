package io.gantry.runner.container;

import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Puts a container's image in Podman's storage: kept when there, else pulled, with the container's
 * {@code credentials} in an auth file of its own (0600, removed after the pull; never on a command
 * line). A registry on the loopback address is pulled from over plain HTTP, for this pull only.
 */
final class Images {

  private final Podman podman;
  private final Path folder;

  Images(Podman podman, Path folder) {
    this.podman = podman;
    this.folder = folder;
  }

  void ensure(ContainerSettings settings, BooleanSupplier cancelled) {
    String image = settings.image();
    if (image.isBlank()
        || image.startsWith("-")
        || image.chars().anyMatch(Character::isWhitespace)) {
      throw new ContainerException(settings.what() + ": '" + image + "' is not an image name");
    }
    if (podman.run(JobContainers.COMMAND_TIMEOUT, "image", "exists", image).ok()) {
      return;
    }
    if (cancelled.getAsBoolean()) {
      throw new ContainerException("cancelled before pulling " + image);
    }
    List<String> args = new ArrayList<>(List.of("pull", "-q"));
    if (loopback(image)) {
      args.add("--tls-verify=false");
    }
    Path auth = null;
    try {
      if (settings.username() != null && !settings.username().isEmpty()) {
        auth = folder.resolve(".auth-" + UUID.randomUUID() + ".json");
        PrivateFiles.writeString(auth, authJson(registry(image), settings));
        args.add("--authfile=" + auth);
      }
      args.add(image);
      Podman.Result pull = podman.run(JobContainers.PULL_TIMEOUT, args);
      if (!pull.ok()) {
        throw new ContainerException(
            settings.what()
                + ": cannot pull the image: "
                + pull.error()
                + (auth == null ? "" : " (with the credentials given)"));
      }
    } catch (IOException e) {
      throw new ContainerException(settings.what() + ": cannot write the registry login: " + e);
    } finally {
      if (auth != null) {
        try {
          Files.deleteIfExists(auth);
        } catch (IOException e) {
          // in the run's private temporary folder, removed with the run
        }
      }
    }
  }

  /** The registry part of an image reference (docker.io when it has none). */
  static String registry(String image) {
    int slash = image.indexOf('/');
    if (slash > 0) {
      String first = image.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        return first;
      }
    }
    return "docker.io";
  }

  static boolean loopback(String image) {
    String registry = registry(image);
    String host = registry.startsWith("[") ? registry : registry.replaceAll(":\\d+$", "");
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  private static String authJson(String registry, ContainerSettings s) {
    String token =
        Base64.getEncoder()
            .encodeToString((s.username() + ":" + s.password()).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + registry.replace("\"", "") + "\":{\"auth\":\"" + token + "\"}}}";
  }
}
