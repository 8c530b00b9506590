package io.gantry.server.forge;

import java.net.URI;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One HTTP request that posts a commit status, exactly as the forge expects it; built by {@link
 * StatusRequests}, sent by {@link StatusSender}, and plain enough to store in an outbox. The
 * headers hold the token (the request cannot be sent without it), so {@link #toString()} shows
 * {@code ***} for the credential headers.
 */
public record StatusRequest(String method, URI uri, Map<String, String> headers, String body) {

  static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "private-token");

  public StatusRequest {
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** The values that must never be printed: the token in each of its header spellings. */
  Set<String> secretValues() {
    Set<String> secrets = new HashSet<>();
    headers.forEach(
        (name, value) -> {
          if (isCredential(name)) {
            secrets.add(value);
            int space = value.indexOf(' ');
            if (space > 0 && space < value.length() - 1) {
              secrets.add(value.substring(space + 1)); // "Bearer <token>" → the token alone
            }
          }
        });
    return secrets;
  }

  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>();
    headers.forEach((name, value) -> shown.put(name, isCredential(name) ? "***" : value));
    return "StatusRequest[" + method + " " + uri + " headers=" + shown + " body=" + body + "]";
  }

  private static boolean isCredential(String header) {
    return CREDENTIAL_HEADERS.contains(header.toLowerCase(Locale.ROOT));
  }
}
