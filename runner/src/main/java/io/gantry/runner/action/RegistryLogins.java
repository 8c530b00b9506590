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

  /**
   * Told of every login as it is registered, on the registering step's thread: how the job's {@code
   * docker} command gets the same logins ({@code io.gantry.runner.container.JobDocker}).
   */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param host the registry's host (and port), without a scheme
     * @param plainHttp whether the registry is served over plain HTTP (local-ecs's on loopback)
     */
    void registered(String host, Login login, boolean plainHttp);
  }

  private final Map<String, Login> byHost = new ConcurrentHashMap<>();
  private final Listener listener;

  /** Logins kept for the job's steps only. */
  public RegistryLogins() {
    this(null);
  }

  /** Logins also handed to {@code listener} (null for none) as they are registered. */
  public RegistryLogins(Listener listener) {
    this.listener = listener;
  }

  /**
   * Registers (or replaces) the login for {@code host}, e.g. {@code
   * 1234.dkr.ecr.us-east-1.amazonaws.com}; an {@code http://} address marks a plain-HTTP registry.
   */
  public void register(String host, String username, String password) {
    Login login = new Login(username, password);
    String normalized = normalize(host);
    byHost.put(normalized, login);
    if (listener != null) {
      listener.registered(
          normalized, login, host.regionMatches(true, 0, "http://", 0, "http://".length()));
    }
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
