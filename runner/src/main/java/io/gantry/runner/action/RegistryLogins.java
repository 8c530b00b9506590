package io.gantry.runner.action;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Container registry credentials registered by a step for the later steps of the same job, by
 * registry host (what {@code aws-actions/amazon-ecr-login} does for {@code docker login}). One
 * instance per job; a job never sees another job's logins.
 */
public final class RegistryLogins {

  /** A username and password for one registry. Its {@code toString} never shows the password. */
  public record Login(String username, String password) {
    @Override
    public String toString() {
      return "Login[username=" + username + ", password=****]";
    }
  }

  private final Map<String, Login> byHost = new ConcurrentHashMap<>();

  /**
   * Registers (or replaces) the login for {@code host}, e.g. {@code
   * 1234.dkr.ecr.us-east-1.amazonaws.com}.
   */
  public void register(String host, String username, String password) {
    byHost.put(normalize(host), new Login(username, password));
  }

  /** The login registered for the host of an image reference or registry address, if any. */
  public Optional<Login> find(String host) {
    return Optional.ofNullable(byHost.get(normalize(host)));
  }

  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("https://")) {
      h = h.substring(8);
    } else if (h.startsWith("http://")) {
      h = h.substring(7);
    }
    int slash = h.indexOf('/');
    return slash < 0 ? h : h.substring(0, slash);
  }
}
