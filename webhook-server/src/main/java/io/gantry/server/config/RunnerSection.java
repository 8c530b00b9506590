package io.gantry.server.config;

import io.gantry.runner.execution.Isolation;
import java.util.List;
import java.util.Map;

/**
 * {@code runner:} at the top of {@code gantry.yml} (the default of every repository) and in a
 * repository's entry (its own, replacing the default): {@code isolation: none} runs steps on this
 * machine, {@code isolation: container} with {@code image:} runs every job in a job container of
 * that image even when its workflow asks for none.
 */
final class RunnerSection {

  private static final List<String> KEYS = List.of("isolation", "image");

  private RunnerSection() {}

  /** The section at {@code where}, or {@code fallback} when there is none. */
  static Isolation read(ConfigLoader c, Object node, String where, Isolation fallback)
      throws ConfigException {
    if (node == null) {
      return fallback;
    }
    String file = c.file();
    Map<String, Object> r = c.map(node, where, KEYS);
    String isolation = c.string(r, "isolation", where, null);
    String image = c.string(r, "image", where, null);
    if (isolation == null) {
      throw new ConfigException(
          file
              + ": "
              + where
              + ".isolation is required: none (steps on this machine) or container (every job in"
              + " a container of "
              + where
              + ".image)");
    }
    switch (isolation) {
      case "none" -> {
        if (image != null) {
          throw new ConfigException(
              file
                  + ": "
                  + where
                  + ".image is used only with isolation: container; remove it or set "
                  + where
                  + ".isolation: container");
        }
        return Isolation.HOST;
      }
      case "container" -> {
        if (image == null || image.isBlank()) {
          throw new ConfigException(
              file
                  + ": "
                  + where
                  + ".image is required with isolation: container: the image every job runs"
                  + " in when its workflow has no container:, e.g. registry.example/ci/debian:12");
        }
        if (!image.strip().matches("[A-Za-z0-9][A-Za-z0-9._/:@-]*")) {
          throw new ConfigException(
              file
                  + ": "
                  + where
                  + ".image '"
                  + image
                  + "' is not an image reference (such as registry.example/ci/debian:12)");
        }
        return Isolation.container(image.strip());
      }
      default ->
          throw new ConfigException(
              file
                  + ": "
                  + where
                  + ".isolation must be none or container, got '"
                  + isolation
                  + "'");
    }
  }
}
