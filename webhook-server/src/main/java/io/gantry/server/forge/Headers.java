package io.gantry.server.forge;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * HTTP request headers with case-insensitive names, as HTTP defines them: Javalin, the JDK's
 * HttpServer and proxies all spell header names differently, and a signature check must not fail
 * because a proxy lower-cased {@code X-Hub-Signature-256}.
 *
 * <p>Immutable. {@link #toString()} hides the values of headers that carry a secret in clear
 * (GitLab's token, Authorization), so logging a request's headers never leaks one.
 */
public final class Headers {

  private static final Set<String> SECRET_HEADERS =
      Set.of("x-gitlab-token", "authorization", "private-token", "cookie", "proxy-authorization");

  private final Map<String, List<String>> values;

  private Headers(Map<String, List<String>> values) {
    this.values = values;
  }

  /** Single-valued headers, e.g. Javalin's {@code ctx.headerMap()}. */
  public static Headers of(Map<String, String> headers) {
    Map<String, List<String>> map = newMap();
    headers.forEach((name, value) -> add(map, name, List.of(value)));
    return new Headers(Collections.unmodifiableMap(map));
  }

  /**
   * Multi-valued headers, e.g. {@code HttpExchange.getRequestHeaders()} or {@code
   * HttpHeaders.map()}.
   */
  public static Headers ofLists(Map<String, ? extends Collection<String>> headers) {
    Map<String, List<String>> map = newMap();
    headers.forEach((name, list) -> add(map, name, list));
    return new Headers(Collections.unmodifiableMap(map));
  }

  /** Alternating names and values: {@code Headers.of("X-GitHub-Event", "push")}. */
  public static Headers of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("Headers.of needs name/value pairs, got an odd count");
    }
    Map<String, List<String>> map = newMap();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      add(map, namesAndValues[i], List.of(namesAndValues[i + 1]));
    }
    return new Headers(Collections.unmodifiableMap(map));
  }

  /** The first value of the header, if present. */
  public Optional<String> get(String name) {
    List<String> list = values.get(name);
    return list == null || list.isEmpty() ? Optional.empty() : Optional.ofNullable(list.get(0));
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("{");
    values.forEach(
        (name, list) -> {
          if (text.length() > 1) {
            text.append(", ");
          }
          boolean secret = SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT));
          text.append(name).append('=').append(secret ? "***" : String.join(",", list));
        });
    return text.append('}').toString();
  }

  private static Map<String, List<String>> newMap() {
    return new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  }

  private static void add(Map<String, List<String>> map, String name, Collection<String> list) {
    if (name == null || list == null) {
      return; // HttpURLConnection-style maps use a null key for the status line
    }
    map.computeIfAbsent(name, n -> new ArrayList<>()).addAll(list);
  }
}
