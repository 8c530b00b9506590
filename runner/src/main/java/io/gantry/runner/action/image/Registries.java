package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import java.util.Locale;

/** Registry host names: which host an image lives on, and which hosts are this machine. */
final class Registries {

  private Registries() {}

  static boolean isValidReference(String reference) {
    try {
      ImageReference.parse(reference);
      return true;
    } catch (InvalidImageReferenceException e) {
      return false;
    }
  }

  /** The registry of an image reference as Jib reads it, e.g. {@code 127.0.0.1:5000}. */
  static String registryOf(String reference) {
    try {
      return ImageReference.parse(reference).getRegistry();
    } catch (InvalidImageReferenceException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Whether a registry ({@code host[:port]}) is this machine: {@code localhost}, an address of
   * {@code 127.0.0.0/8} or {@code ::1}. Names are not resolved: what a name points to can change.
   */
  static boolean isLoopback(String registry) {
    String host = registry.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 && isLoopbackV6(host.substring(1, end));
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    if (host.equals("localhost")) {
      return true;
    }
    String[] octets = host.split("\\.", -1);
    if (octets.length != 4 || !octets[0].equals("127")) {
      return false;
    }
    for (String octet : octets) {
      if (!octet.matches("\\d{1,3}") || Integer.parseInt(octet) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLoopbackV6(String address) {
    return address.equals("::1") || address.equals("0:0:0:0:0:0:0:1");
  }
}
