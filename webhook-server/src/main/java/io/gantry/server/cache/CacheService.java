package io.gantry.server.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.cache.CacheEntry;
import io.gantry.runner.cache.CacheException;
import io.gantry.runner.cache.CacheStore;
import io.gantry.runner.execution.JobServices;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The GitHub Actions cache service over HTTP, protocol v1 ({@code _apis/artifactcache}, what the
 * real {@code actions/cache} v3–v5 and the setup actions' caches speak when {@code
 * ACTIONS_CACHE_URL} is set and {@code ACTIONS_CACHE_SERVICE_V2} is not), bound to a {@link
 * CacheStore}. Same shape as act's and Gitea's runner's artifactcache handlers.
 *
 * <p>Every call but the download carries the job's token as {@code Authorization: Bearer}; the
 * download URL handed out by a lookup is signed instead (the toolkit fetches it without the token).
 * Started by {@code gantry serve} and by {@code gantry run}, on 127.0.0.1 unless told.
 */
public final class CacheService implements AutoCloseable {

  private static final String BASE = "/_apis/artifactcache";
  private static final Pattern RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\*|\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(CacheService.class.getName());

  private final CacheStore store;
  private final Javalin app;
  private final byte[] secret = new byte[32];
  private String baseUrl;

  /** A Host header as an address and port, nothing more. */
  private static final java.util.regex.Pattern HOST =
      java.util.regex.Pattern.compile(
          "[A-Za-z0-9.-]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?");

  private CacheService(CacheStore store, Javalin app) {
    this.store = store;
    new SecureRandom().nextBytes(secret);
    this.app = app;
    app.get(BASE + "/cache", handle(this::lookup));
    app.get(BASE + "/caches", handle(this::list));
    app.post(BASE + "/caches", handle(this::reserve));
    app.patch(BASE + "/caches/{id}", handle(this::upload));
    app.post(BASE + "/caches/{id}", handle(this::commit));
    app.get(BASE + "/artifacts/{id}", handle(this::download));
  }

  /** A route's body: its failures are answered by {@link #handle}. */
  private interface Call {
    void handle(Context ctx) throws CacheException, IOException;
  }

  /**
   * Answers a {@link CacheException} with its status and message, an {@link IOException} with 500;
   * per route, so mounted on the server's own app it leaves the app's other routes alone.
   */
  private static io.javalin.http.Handler handle(Call call) {
    return ctx -> {
      try {
        call.handle(ctx);
      } catch (CacheException e) {
        ctx.status(
            switch (e.kind()) {
              case UNAUTHORIZED -> 401;
              case BAD_REQUEST, TOO_LARGE -> 400;
              case CONFLICT -> 409;
              case NOT_FOUND -> 404;
            });
        ctx.json(Map.of("message", e.getMessage()));
      } catch (IOException e) {
        ctx.status(500);
        ctx.json(Map.of("message", "the cache store failed: " + e.getMessage()));
      }
    };
  }

  /** Starts the service on {@code host}:{@code port} (0 for a free port). */
  public static CacheService start(CacheStore store, String host, int port) {
    CacheService service =
        new CacheService(
            store,
            Javalin.create(
                c -> {
                  c.showJavalinBanner = false;
                  c.http.maxRequestSize = 64 * 1024;
                }));
    service.app.start(host, port);
    service.baseUrl =
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + service.app.port() + "/";
    return service;
  }

  /**
   * Serves the same protocol on the routes of {@code app}, the server's own port, for the jobs of
   * agents on other machines ({@code ACTIONS_CACHE_URL} is then the server's URL): the download
   * URLs a lookup hands out name the scheme and host the lookup came to. Nothing is started or
   * stopped; {@link #close} does nothing.
   */
  public static CacheService mount(CacheStore store, Javalin app) {
    return new CacheService(store, app);
  }

  /** {@code ACTIONS_CACHE_URL} for the jobs: ends with a slash, as the toolkit expects. */
  public String baseUrl() {
    return baseUrl;
  }

  /** The variables a job's steps get, with the job's own token ({@link CacheStore#issueToken}). */
  public Map<String, String> environment(String token) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ACTIONS_CACHE_URL", baseUrl);
    env.put("ACTIONS_RUNTIME_TOKEN", token);
    return env;
  }

  /**
   * What each job gets: {@code ACTIONS_CACHE_URL} and a token of its own, scoped to its repository
   * and ref (restoring from the default branch too), revoked when the job ends, so an upload after
   * the job is refused and its unfinished uploads are dropped.
   */
  public JobServices jobServices() {
    return job -> {
      String token = store.issueToken(job.repository(), job.ref(), job.defaultBranch());
      Map<String, String> env = environment(token);
      return new JobServices.Lease() {
        @Override
        public Map<String, String> environment() {
          return env;
        }

        @Override
        public void close() {
          try {
            store.revokeToken(token);
          } catch (IOException e) {
            LOG.warning("cannot drop the unfinished cache uploads of a job: " + e.getMessage());
          }
        }
      };
    };
  }

  @Override
  public void close() {
    if (baseUrl != null) {
      app.stop();
    }
  }

  private static String token(Context ctx) throws CacheException {
    String header = ctx.header("Authorization");
    if (header == null || !header.startsWith("Bearer ") || header.length() <= 7) {
      throw new CacheException(
          CacheException.Kind.UNAUTHORIZED, "the request carries no ACTIONS_RUNTIME_TOKEN");
    }
    return header.substring(7).strip();
  }

  private void lookup(Context ctx) throws CacheException {
    String keys = ctx.queryParam("keys");
    String version = ctx.queryParam("version");
    if (keys == null || version == null) {
      throw new CacheException(CacheException.Kind.BAD_REQUEST, "keys and version are required");
    }
    List<String> list =
        Arrays.stream(keys.split(",")).map(String::strip).filter(k -> !k.isEmpty()).toList();
    Optional<CacheEntry> hit = store.lookup(token(ctx), list, version);
    if (hit.isEmpty()) {
      ctx.status(204);
      return;
    }
    CacheEntry e = hit.get();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("cacheKey", e.key());
    body.put("scope", e.scope());
    body.put("cacheVersion", e.version());
    body.put("creationTime", e.created().toString());
    body.put(
        "archiveLocation",
        base(ctx) + BASE.substring(1) + "/artifacts/" + e.id() + "?sig=" + sign(e.id()));
    ctx.json(body);
  }

  /**
   * The base URL the client reached the service by: a job container reaches it through a relay on
   * its network's gateway, not on 127.0.0.1, and an agent's job through the server's own address;
   * each must download the archive the same way. The URL is signed, and only the asking client sees
   * it.
   */
  private String base(Context ctx) {
    String host = ctx.header("Host");
    String scheme = baseUrl != null ? "http" : ctx.scheme();
    if (host != null && HOST.matcher(host).matches()) {
      return scheme + "://" + host + "/";
    }
    return baseUrl != null ? baseUrl : scheme + "://" + ctx.host() + "/";
  }

  private void list(Context ctx) throws CacheException {
    token(ctx);
    ctx.json(Map.of("totalCount", 0, "artifactCaches", List.of()));
  }

  private void reserve(Context ctx) throws CacheException, IOException {
    JsonNode body = JSON.readTree(ctx.body());
    String key = body.path("key").asText(null);
    String version = body.path("version").asText(null);
    Long size = body.hasNonNull("cacheSize") ? body.get("cacheSize").asLong() : null;
    long id = store.reserve(token(ctx), key, version, size);
    ctx.status(201).json(Map.of("cacheId", id));
  }

  private void upload(Context ctx) throws CacheException, IOException {
    String token = token(ctx);
    long id = id(ctx);
    String range = ctx.header("Content-Range");
    Matcher m = range == null ? null : RANGE.matcher(range);
    if (m == null || !m.matches()) {
      throw new CacheException(
          CacheException.Kind.BAD_REQUEST,
          "Content-Range must be 'bytes START-END/*', got '" + range + "'");
    }
    long start = Long.parseLong(m.group(1));
    long end = Long.parseLong(m.group(2));
    if (end < start) {
      throw new CacheException(CacheException.Kind.BAD_REQUEST, "empty Content-Range " + range);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      store.upload(token, id, start, in, end - start + 1);
    }
    ctx.status(204);
  }

  private void commit(Context ctx) throws CacheException, IOException {
    JsonNode body = JSON.readTree(ctx.body());
    if (!body.hasNonNull("size")) {
      throw new CacheException(CacheException.Kind.BAD_REQUEST, "the commit names no size");
    }
    store.commit(token(ctx), id(ctx), body.get("size").asLong());
    ctx.status(204);
  }

  private void download(Context ctx) throws CacheException, IOException {
    long id = id(ctx);
    String sig = ctx.queryParam("sig");
    if (sig == null
        || !MessageDigest.isEqual(
            sig.getBytes(StandardCharsets.US_ASCII),
            sign(id).getBytes(StandardCharsets.US_ASCII))) {
      throw new CacheException(CacheException.Kind.UNAUTHORIZED, "bad or missing signature");
    }
    Path file =
        store
            .archiveOf(id)
            .orElseThrow(
                () -> new CacheException(CacheException.Kind.NOT_FOUND, "no cache archive " + id));
    FileRanges.serve(ctx, file, "application/octet-stream");
  }

  private static long id(Context ctx) throws CacheException {
    try {
      return Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw new CacheException(CacheException.Kind.NOT_FOUND, "no cache " + ctx.pathParam("id"));
    }
  }

  private String sign(long id) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal(Long.toString(id).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
