package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.engine.ContainerEngine.RegistryCredentials;
import java.util.function.BooleanSupplier;

/**
 * Puts a container's image in Podman's storage: kept when there, else pulled through the engine,
 * with the container's {@code credentials} sent to the engine in the request (never on a command
 * line or in a file). A registry on the loopback address is pulled from over plain HTTP, for this
 * pull only.
 */
final class Images {

  private final ContainerEngine engine;

  Images(ContainerEngine engine) {
    this.engine = engine;
  }

  /** Whether the image is in Podman's storage. */
  boolean exists(String image) {
    try {
      return engine.imageExists(image);
    } catch (EngineException e) {
      return false;
    }
  }

  void ensure(ContainerSettings settings, BooleanSupplier cancelled) {
    String image = settings.image();
    if (image.isBlank()
        || image.startsWith("-")
        || image.chars().anyMatch(Character::isWhitespace)) {
      throw new ContainerException(settings.what() + ": '" + image + "' is not an image name");
    }
    if (exists(image)) {
      return;
    }
    if (cancelled.getAsBoolean()) {
      throw new ContainerException("cancelled before pulling " + image);
    }
    boolean login = settings.username() != null && !settings.username().isEmpty();
    RegistryCredentials credentials =
        login
            ? new RegistryCredentials(registry(image), settings.username(), settings.password())
            : null;
    try {
      engine.pull(image, credentials, !loopback(image));
    } catch (EngineException e) {
      throw new ContainerException(
          settings.what()
              + ": cannot pull the image: "
              + e.getMessage()
              + (login ? " (with the credentials given)" : ""));
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
}
