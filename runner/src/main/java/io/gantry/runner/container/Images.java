package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.engine.ContainerEngine.RegistryCredentials;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Puts a container's image in Podman's storage: kept when there, else pulled through the engine,
 * with the container's {@code credentials} sent to the engine in the request (never on a command
 * line or in a file). A registry on the loopback address is pulled from over plain HTTP, for this
 * pull only.
 */
final class Images {

  /** How long a pull may take when the caller sets no limit (limits.pull-timeout-seconds). */
  static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(10);

  private final ContainerEngine engine;
  private final Duration pullTimeout;

  Images(ContainerEngine engine) {
    this(engine, DEFAULT_PULL_TIMEOUT);
  }

  /** With pulls given up after {@code pullTimeout}, when the registry has not answered by then. */
  Images(ContainerEngine engine, Duration pullTimeout) {
    this.engine = engine;
    this.pullTimeout = pullTimeout;
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
    ensure(settings, cancelled, Long.MAX_VALUE);
  }

  /**
   * Puts the image in Podman's storage, the pull bounded by the pull timeout and by {@code
   * deadline} ({@link System#nanoTime()}, the job's own timeout; {@link Long#MAX_VALUE} for none).
   */
  void ensure(ContainerSettings settings, BooleanSupplier cancelled, long deadline) {
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
    Duration timeout = pullTimeout;
    boolean byJob = false;
    if (deadline != Long.MAX_VALUE) {
      Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
      byJob = left.compareTo(timeout) < 0;
      timeout = byJob ? left : timeout;
    }
    try {
      engine.pull(image, credentials, !loopback(image), timeout);
    } catch (EngineException e) {
      boolean late = e.getMessage().contains("did not finish within");
      throw new ContainerException(
          settings.what()
              + ": cannot pull the image: "
              + e.getMessage()
              + (login ? " (with the credentials given)" : "")
              + (late && !byJob
                  ? "; the registry did not answer in time (gantry.yml limits.pull-timeout-seconds"
                      + " sets how long a pull may take)"
                  : ""));
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
