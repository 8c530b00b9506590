package io.gantry.cli;

import io.gantry.runner.execution.Isolation;

/**
 * {@code gantry run --isolation none|container [--isolation-image IMAGE]}: the same choice as
 * {@code gantry.yml}'s {@code runner: {isolation, image}}, for a local run.
 */
final class IsolationOption {

  private IsolationOption() {}

  /**
   * @param isolation {@code --isolation}, or null (none)
   * @param image {@code --isolation-image}, or null
   * @throws IllegalArgumentException with a one-line message naming the option and the fix
   */
  static Isolation parse(String isolation, String image) {
    String kind = isolation == null ? "none" : isolation.strip();
    switch (kind) {
      case "none":
        if (image != null) {
          throw new IllegalArgumentException(
              "--isolation-image is used only with --isolation container; add --isolation"
                  + " container or drop --isolation-image");
        }
        return Isolation.HOST;
      case "container":
        if (image == null || image.isBlank()) {
          throw new IllegalArgumentException(
              "--isolation container needs --isolation-image IMAGE: the image every job runs in"
                  + " (one with a shell, e.g. debian:12 or your build image)");
        }
        if (image.strip().startsWith("-") || image.strip().matches(".*\\s.*")) {
          throw new IllegalArgumentException(
              "--isolation-image must be an image reference such as debian:12, got '"
                  + image.strip()
                  + "'");
        }
        return Isolation.container(image.strip());
      default:
        throw new IllegalArgumentException(
            "--isolation must be none (steps on this machine) or container (every job in a"
                + " container of --isolation-image), got '"
                + kind
                + "'");
    }
  }
}
