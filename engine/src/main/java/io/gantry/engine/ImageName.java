package io.gantry.engine;

/**
 * An image reference split the way the Engine API wants it: {@code repository} includes the
 * registry host, {@code tag} defaults to latest, {@code digest} is null unless pinned.
 */
public record ImageName(String registry, String repository, String tag, String digest) {

  public static ImageName parse(String image) {
    String rest = image;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
    }
    String tag = "latest";
    int slash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > slash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    String registry = null;
    int first = rest.indexOf('/');
    if (first > 0) {
      String head = rest.substring(0, first);
      if (head.contains(".") || head.contains(":") || head.equals("localhost")) {
        registry = head;
      }
    }
    return new ImageName(registry, rest, tag, digest);
  }

  /** Podman's namespace for images that exist only in local storage (never pulled). */
  public boolean isLocalOnly() {
    return "localhost".equals(registry);
  }
}
