package io.gantry.server;

import io.gantry.runner.cache.CacheEntry;
import io.gantry.runner.cache.CacheStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The cache service's entries over REST, for {@code gantry caches}: {@code GET
 * /api/caches[?repo=OWNER/NAME][&key=K]} (read as every other {@code GET /api/…}) and {@code DELETE
 * /api/caches/{id}} (an operator's call). Without a store (another Gantry process on the same data
 * directory serves the cache) both answer 503 saying so.
 */
final class CacheApi {

  private final CacheStore caches;
  private final Consumer<Context> authenticate;

  /**
   * @param caches the store, or null when this process does not serve the cache
   * @param authenticate throws unless the caller is an operator
   */
  CacheApi(CacheStore caches, Consumer<Context> authenticate) {
    this.caches = caches;
    this.authenticate = authenticate;
  }

  void routes(Javalin app) {
    app.get("/api/caches", this::list);
    app.delete("/api/caches/{id}", this::delete);
  }

  private CacheStore store() {
    if (caches == null) {
      throw new ApiException(
          503,
          "unavailable",
          "another Gantry process on this server's data directory serves the cache;"
              + " ask that one");
    }
    return caches;
  }

  private void list(Context ctx) {
    String repo = blankToNull(ctx.queryParam("repo"));
    String key = blankToNull(ctx.queryParam("key"));
    CacheStore store = store();
    List<Map<String, Object>> list = new ArrayList<>();
    long total = 0;
    for (CacheEntry entry : store.list(repo)) {
      if (key == null || entry.key().equals(key)) {
        list.add(json(entry));
        total += entry.size();
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("caches", list);
    body.put("totalBytes", total);
    body.put("maxBytes", store.maxBytes());
    ctx.json(body);
  }

  private void delete(Context ctx) throws IOException {
    authenticate.accept(ctx);
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "a cache id is a number (see GET /api/caches), got '" + ctx.pathParam("id") + "'");
    }
    if (!store().delete(id)) {
      throw ApiException.notFound("no cache entry " + id);
    }
    ctx.json(Map.of("deleted", id));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** An entry as the API and {@code gantry caches} show it. */
  static Map<String, Object> json(CacheEntry entry) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("id", entry.id());
    e.put("repository", entry.repository());
    e.put("key", entry.key());
    e.put("version", entry.version());
    e.put("scope", entry.scope());
    e.put("sizeBytes", entry.size());
    e.put("createdAt", entry.created().toString());
    e.put("lastUsedAt", entry.lastUsed().toString());
    return e;
  }
}
