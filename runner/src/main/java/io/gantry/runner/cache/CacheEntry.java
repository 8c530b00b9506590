package io.gantry.runner.cache;

import java.time.Instant;

/**
 * One saved (or being saved) cache archive.
 *
 * @param id the store's number for it
 * @param repository {@code OWNER/NAME}
 * @param scope the git ref it was saved from ({@code refs/heads/main})
 * @param key the key the workflow gave
 * @param version the actions/cache version hash (paths, compression, cross-OS flag)
 * @param size bytes of the archive; 0 until committed
 * @param created when it was reserved
 * @param lastUsed when it was last restored (or created), for least-recently-used eviction
 * @param committed true once the whole archive is stored; only committed entries are restored
 */
public record CacheEntry(
    long id,
    String repository,
    String scope,
    String key,
    String version,
    long size,
    Instant created,
    Instant lastUsed,
    boolean committed) {

  CacheEntry used(Instant at) {
    return new CacheEntry(id, repository, scope, key, version, size, created, at, committed);
  }

  CacheEntry committedWith(long bytes) {
    return new CacheEntry(id, repository, scope, key, version, bytes, created, lastUsed, true);
  }
}
