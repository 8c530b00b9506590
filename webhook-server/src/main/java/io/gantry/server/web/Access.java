package io.gantry.server.web;

import io.gantry.server.config.ServerConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is asking: the holder of the api-token, a user of {@code users:} (by bearer token or by a web
 * session), or an anonymous visitor. One place decides what each may do, for the REST API and the
 * web UI alike: a {@code viewer} reads, an {@code operator} also reruns, cancels, dispatches and
 * rolls back.
 *
 * <p>Sessions live in memory (a restart signs everyone out), at most {@value #MAX_SESSIONS}, each
 * for {@link #SESSION_LENGTH}. A session's mutating calls must carry its CSRF token ({@code
 * X-CSRF-Token} header, or the {@code _csrf} form field); the cookie is {@code HttpOnly}, {@code
 * SameSite=Strict}, and {@code Secure} when the public URL is HTTPS. Thread-safe.
 */
public final class Access {

  /** The session cookie. */
  public static final String COOKIE = "gantry_session";

  /** The header a session's mutating fetch carries its CSRF token in. */
  public static final String CSRF_HEADER = "X-CSRF-Token";

  static final int MAX_SESSIONS = 10_000;
  static final Duration SESSION_LENGTH = Duration.ofHours(12);
  private static final String ACTOR = "gantry.actor";

  /** What a caller may do. */
  public enum Role {
    VIEWER,
    OPERATOR
  }

  /** A signed-in caller. */
  public record Principal(String name, Role role) {
    public boolean operator() {
      return role == Role.OPERATOR;
    }
  }

  /** A refused call: 401 (who are you?) or 403 (not allowed, or a forged request). */
  public static final class Denied extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String error;

    Denied(int status, String error, String message) {
      super(message);
      this.status = status;
      this.error = error;
    }

    public int status() {
      return status;
    }

    public String error() {
      return error;
    }
  }

  record Session(String id, Principal principal, String csrf, Instant expires) {}

  private final ServerConfig config;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  public Access(ServerConfig config) {
    this.config = config;
  }

  /**
   * For every mutating API call: an operator's bearer token (the api-token or an operator's user
   * token), or an operator's session with its CSRF token. Records the caller's name for {@link
   * #actor}.
   *
   * @throws Denied 401 without credentials, 403 for a viewer or a missing or forged CSRF token
   */
  public void requireOperator(Context ctx) {
    Principal principal = caller(ctx, true);
    if (!principal.operator()) {
      throw new Denied(
          403,
          "forbidden",
          principal.name()
              + " is a viewer; reruns, cancels, dispatches and rollbacks need an"
              + " operator (role: operator in gantry.yml's users)");
    }
    ctx.attribute(ACTOR, principal.name());
  }

  /**
   * For every read of the REST API ({@code GET /api/…}): any valid bearer token (api-token or a
   * user's, viewer or operator) or a signed-in session; anonymous callers only when {@code
   * server.public-read} is on.
   *
   * @throws Denied 401 otherwise
   */
  public void requireReader(Context ctx) {
    if (ctx.header("Authorization") != null || session(ctx).isPresent()) {
      caller(ctx, false);
      return;
    }
    if (!config.access().publicRead()) {
      throw unauthorized();
    }
  }

  /** Who the mutating call was made by, once {@link #requireOperator} let it through. */
  public static String actor(Context ctx, String fallback) {
    Object name = ctx.attribute(ACTOR);
    return name == null ? fallback : name.toString();
  }

  /** The caller of an API call: bearer token first, else the session (with CSRF when asked). */
  private Principal caller(Context ctx, boolean mutating) {
    String header = ctx.header("Authorization");
    if (header != null) {
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw unauthorized();
      }
      return byToken(header.substring(7).strip()).orElseThrow(Access::unauthorized);
    }
    Session session = session(ctx).orElseThrow(Access::unauthorized);
    if (mutating) {
      String given = ctx.header(CSRF_HEADER);
      if (given == null) {
        given = ctx.formParam("_csrf");
      }
      if (given == null || !same(given, session.csrf())) {
        throw new Denied(
            403, "csrf", "the request's CSRF token is missing or wrong; reload the page and retry");
      }
    }
    return session.principal();
  }

  private static Denied unauthorized() {
    return new Denied(
        401,
        "unauthorized",
        "this call needs 'Authorization: Bearer <api-token>' (the server's api-token or a user's"
            + " token; CLI: export GANTRY_API_TOKEN) or a signed-in session");
  }

  /** The api-token (an operator named {@code api}) or a user's token, compared in constant time. */
  Optional<Principal> byToken(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    Principal found = null;
    if (same(token, config.server().apiToken().value())) {
      found = new Principal("api", Role.OPERATOR);
    }
    String hash = sha256(token);
    for (ServerConfig.User user : config.access().users()) {
      // Every user is compared, so the time taken does not tell which matched.
      if (same(hash, user.tokenSha256()) && found == null) {
        found = new Principal(user.name(), Role.valueOf(user.role().toUpperCase(Locale.ROOT)));
      }
    }
    return Optional.ofNullable(found);
  }

  /** The session of the request's cookie, if any and not expired. */
  Optional<Session> session(Context ctx) {
    String id = ctx.cookie(COOKIE);
    if (id == null) {
      return Optional.empty();
    }
    Session session = sessions.get(id);
    if (session == null) {
      return Optional.empty();
    }
    if (session.expires().isBefore(Instant.now())) {
      sessions.remove(id);
      return Optional.empty();
    }
    return Optional.of(session);
  }

  /** Who may read a page: a session's user, or an anonymous reader when public-read is on. */
  Optional<Principal> reader(Context ctx) {
    Optional<Session> session = session(ctx);
    if (session.isPresent()) {
      return Optional.of(session.get().principal());
    }
    return config.access().publicRead()
        ? Optional.of(new Principal("anonymous", Role.VIEWER))
        : Optional.empty();
  }

  /** Starts a session and sets its cookie. */
  Session signIn(Context ctx, Principal principal) {
    Instant now = Instant.now();
    if (sessions.size() >= MAX_SESSIONS) {
      sessions.values().removeIf(s -> s.expires().isBefore(now));
      Iterator<Session> oldest =
          sessions.values().stream()
              .sorted(java.util.Comparator.comparing(Session::expires))
              .iterator();
      while (sessions.size() >= MAX_SESSIONS && oldest.hasNext()) {
        sessions.remove(oldest.next().id());
      }
    }
    Session session = new Session(token(), principal, token(), now.plus(SESSION_LENGTH));
    sessions.put(session.id(), session);
    setCookie(ctx, COOKIE, session.id(), SESSION_LENGTH.toSeconds());
    return session;
  }

  void signOut(Context ctx) {
    session(ctx).ifPresent(s -> sessions.remove(s.id()));
    setCookie(ctx, COOKIE, "", 0);
  }

  /** A cookie the way every Gantry cookie is set: HttpOnly, SameSite=Strict, Secure on HTTPS. */
  void setCookie(Context ctx, String name, String value, long maxAgeSeconds) {
    boolean https = config.server().publicUrl().toLowerCase(Locale.ROOT).startsWith("https:");
    ctx.res()
        .addHeader(
            "Set-Cookie",
            name
                + "="
                + value
                + "; Path=/; Max-Age="
                + maxAgeSeconds
                + "; HttpOnly; SameSite=Strict"
                + (https ? "; Secure" : ""));
  }

  /** 32 random bytes as hex. */
  String token() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  static boolean same(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** The SHA-256 of a token as lowercase hex, as {@code token-hash: sha256:<hex>} holds it. */
  public static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
