package io.gantry.runner.cache;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.cache.CacheException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GitHub Actions cache, as the real {@code actions/cache} and the setup actions use it:
 * archives saved under a key and a version, scoped by repository and git ref, stored in a folder of
 * the data directory. Knows nothing of HTTP (the server's binding maps its calls and refusals to
 * the protocol).
 *
 * <p>Semantics as GitHub's: a key, once saved, is immutable (a second save is refused); a restore
 * looks in the job's ref and then the repository's default branch, the first key exactly and the
 * restore keys exactly, then as prefixes (newest first); archives are uploaded in chunks at offsets
 * and restorable only once committed whole; past the configured total size the least recently used
 * archives are evicted. Every call carries the job's token ({@link #issueToken}), which stops
 * working when the job ends ({@link #revokeToken}); the uploads that job left unfinished are
 * dropped then.
 *
 * <p>Thread-safe: every method synchronizes on the store, except the chunk writes themselves.
 */
public final class CacheStore {

  /** GitHub's limit on a key's length. */
  public static final int MAX_KEY_LENGTH = 512;

  /** The default total size before eviction: 10 GiB, as on GitHub. */
  public static final long DEFAULT_MAX_BYTES = 10L << 30;

  /** The largest chunk one upload call may carry. */
  public static final long MAX_CHUNK_BYTES = 256L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a job's token may touch. */
  private record Scope(String repository, String ref, String defaultRef) {}

  private final Path dir;
  private final long maxBytes;
  private final Clock clock;
  private final Map<Long, CacheEntry> entries = new LinkedHashMap<>();
  private final Map<Long, String> uploadOwners = new LinkedHashMap<>();
  private final Map<String, Scope> tokens = new LinkedHashMap<>();
  private long nextId = 1;

  private CacheStore(Path dir, long maxBytes, Clock clock) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /**
   * Opens (or creates) the store in {@code dir} ({@code DATA/caches}); uploads a previous process
   * left unfinished are dropped.
   */
  public static CacheStore open(Path dir, long maxBytes) throws IOException {
    CacheStore store =
        new CacheStore(dir.toAbsolutePath().normalize(), maxBytes, Clock.systemUTC());
    Files.createDirectories(store.dir.resolve("archives"));
    Files.createDirectories(store.dir.resolve("uploads"));
    Path index = store.dir.resolve("index.json");
    if (Files.exists(index)) {
      List<Map<String, Object>> rows =
          JSON.readValue(index.toFile(), new TypeReference<List<Map<String, Object>>>() {});
      for (Map<String, Object> row : rows) {
        CacheEntry e = fromRow(row);
        if (e.committed() && Files.exists(store.archive(e.id()))) {
          store.entries.put(e.id(), e);
        }
        store.nextId = Math.max(store.nextId, e.id() + 1);
      }
    }
    try (var stale = Files.list(store.dir.resolve("uploads"))) {
      for (Path p : stale.toList()) {
        Files.deleteIfExists(p);
      }
    }
    store.save();
    return store;
  }

  /**
   * A token for one job: it may restore from {@code ref} and the default branch of {@code
   * repository}, and save to {@code ref}. Never logged: it is a secret of the job.
   */
  public synchronized String issueToken(String repository, String ref, String defaultBranch) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    String defaultRef =
        defaultBranch == null || defaultBranch.isBlank()
            ? null
            : defaultBranch.startsWith("refs/") ? defaultBranch : "refs/heads/" + defaultBranch;
    tokens.put(token, new Scope(repository, ref, defaultRef));
    return token;
  }

  /** The job ended: its token stops working and its unfinished uploads are dropped. */
  public synchronized void revokeToken(String token) throws IOException {
    tokens.remove(token);
    List<Long> abandoned =
        uploadOwners.entrySet().stream()
            .filter(e -> e.getValue().equals(token))
            .map(Map.Entry::getKey)
            .toList();
    for (long id : abandoned) {
      uploadOwners.remove(id);
      entries.remove(id);
      Files.deleteIfExists(upload(id));
    }
    if (!abandoned.isEmpty()) {
      save();
    }
  }

  /**
   * The archive to restore for {@code keys} (the primary key, then the restore keys) and {@code
   * version}, or empty on a miss.
   */
  public synchronized Optional<CacheEntry> lookup(String token, List<String> keys, String version)
      throws CacheException {
    Scope scope = scope(token);
    if (keys.isEmpty()) {
      throw new CacheException(Kind.BAD_REQUEST, "no cache key given");
    }
    for (String key : keys) {
      checkKey(key);
    }
    List<String> refs = new ArrayList<>();
    refs.add(scope.ref());
    if (scope.defaultRef() != null && !scope.defaultRef().equals(scope.ref())) {
      refs.add(scope.defaultRef());
    }
    for (String ref : refs) {
      for (int i = 0; i < keys.size(); i++) {
        String key = keys.get(i);
        Optional<CacheEntry> exact =
            candidates(scope, ref, version).filter(e -> e.key().equals(key)).findFirst();
        if (exact.isEmpty() && i > 0) {
          exact = candidates(scope, ref, version).filter(e -> e.key().startsWith(key)).findFirst();
        }
        if (exact.isPresent()) {
          CacheEntry used = exact.get().used(clock.instant());
          entries.put(used.id(), used);
          saveQuietly();
          return Optional.of(used);
        }
      }
    }
    return Optional.empty();
  }

  /** Committed entries of the repository, ref and version, newest first. */
  private java.util.stream.Stream<CacheEntry> candidates(Scope scope, String ref, String version) {
    return entries.values().stream()
        .filter(CacheEntry::committed)
        .filter(e -> e.repository().equals(scope.repository()) && e.scope().equals(ref))
        .filter(e -> e.version().equals(version))
        .sorted(
            Comparator.comparing(CacheEntry::created)
                .reversed()
                .thenComparing(Comparator.comparingLong(CacheEntry::id).reversed()));
  }

  /**
   * Reserves a key for an upload by this job; refused when the key exists in the job's ref (saved
   * or being saved) or the announced size is over the limit.
   */
  public synchronized long reserve(String token, String key, String version, Long size)
      throws CacheException {
    Scope scope = scope(token);
    checkKey(key);
    if (version == null || version.isBlank() || version.length() > 256) {
      throw new CacheException(Kind.BAD_REQUEST, "the cache version is missing or too long");
    }
    if (size != null && size > maxBytes) {
      throw new CacheException(
          Kind.TOO_LARGE,
          "the archive of "
              + size
              + " bytes for key '"
              + key
              + "' is over the cache's limit of "
              + maxBytes
              + " bytes");
    }
    for (CacheEntry e : entries.values()) {
      if (e.repository().equals(scope.repository())
          && e.scope().equals(scope.ref())
          && e.key().equals(key)
          && e.version().equals(version)) {
        throw new CacheException(
            Kind.CONFLICT,
            "cache key '"
                + key
                + "' already "
                + (e.committed() ? "exists" : "is being saved by another job")
                + " for "
                + scope.ref()
                + "; a key is immutable once saved: put what changes (a hash of the"
                + " lock file) in the key");
      }
    }
    long id = nextId++;
    Instant now = clock.instant();
    entries.put(
        id, new CacheEntry(id, scope.repository(), scope.ref(), key, version, 0, now, now, false));
    uploadOwners.put(id, token);
    saveQuietly();
    return id;
  }

  /** Writes one chunk of an upload at its offset; chunks may come in any order. */
  public void upload(String token, long id, long offset, InputStream body, long length)
      throws CacheException, IOException {
    synchronized (this) {
      scope(token);
      if (!token.equals(uploadOwners.get(id))) {
        throw new CacheException(Kind.NOT_FOUND, "no upload " + id + " of this job");
      }
    }
    if (offset < 0 || length < 0 || length > MAX_CHUNK_BYTES || offset + length > maxBytes) {
      throw new CacheException(
          Kind.BAD_REQUEST,
          "chunk at "
              + offset
              + " of "
              + length
              + " bytes is out of range (chunks up to "
              + MAX_CHUNK_BYTES
              + " bytes)");
    }
    try (FileChannel channel =
        FileChannel.open(upload(id), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[64 * 1024];
      long position = offset;
      long remaining = length;
      while (remaining > 0) {
        int n = body.read(buffer, 0, (int) Math.min(buffer.length, remaining));
        if (n < 0) {
          throw new CacheException(
              Kind.BAD_REQUEST,
              "the chunk ended after " + (length - remaining) + " of " + length + " bytes");
        }
        ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
        while (bytes.hasRemaining()) {
          position += channel.write(bytes, position);
        }
        remaining -= n;
      }
      if (body.read() >= 0) {
        throw new CacheException(Kind.BAD_REQUEST, "the chunk is longer than its range says");
      }
    }
  }

  /**
   * Makes an upload restorable once its file holds exactly {@code size} bytes; evicts the least
   * recently used archives if the total goes over the limit.
   */
  public synchronized CacheEntry commit(String token, long id, long size)
      throws CacheException, IOException {
    scope(token);
    if (!token.equals(uploadOwners.get(id))) {
      throw new CacheException(Kind.NOT_FOUND, "no upload " + id + " of this job");
    }
    Path part = upload(id);
    long written = Files.exists(part) ? Files.size(part) : 0;
    if (written != size) {
      throw new CacheException(
          Kind.BAD_REQUEST,
          "upload "
              + id
              + " holds "
              + written
              + " bytes, not the "
              + size
              + " announced; nothing was saved");
    }
    if (size > maxBytes) {
      throw new CacheException(Kind.TOO_LARGE, "the archive is over the cache's limit");
    }
    Files.move(part, archive(id), StandardCopyOption.ATOMIC_MOVE);
    uploadOwners.remove(id);
    CacheEntry committed = entries.get(id).committedWith(size);
    entries.put(id, committed);
    evict(id);
    save();
    return committed;
  }

  /** The archive's file, for a download; only for committed entries. */
  public synchronized Optional<Path> archiveOf(long id) {
    CacheEntry e = entries.get(id);
    return e != null && e.committed() ? Optional.of(archive(id)) : Optional.empty();
  }

  /** The committed entries, of one repository or (null) all, newest first. */
  public synchronized List<CacheEntry> list(String repository) {
    return entries.values().stream()
        .filter(CacheEntry::committed)
        .filter(e -> repository == null || e.repository().equals(repository))
        .sorted(Comparator.comparing(CacheEntry::created).reversed())
        .toList();
  }

  /** Deletes an entry; false when there is none. */
  public synchronized boolean delete(long id) throws IOException {
    CacheEntry e = entries.get(id);
    if (e == null || !e.committed()) {
      return false;
    }
    entries.remove(id);
    Files.deleteIfExists(archive(id));
    save();
    return true;
  }

  public long maxBytes() {
    return maxBytes;
  }

  private void evict(long keep) throws IOException {
    long total =
        entries.values().stream().filter(CacheEntry::committed).mapToLong(CacheEntry::size).sum();
    List<CacheEntry> byAge =
        entries.values().stream()
            .filter(e -> e.committed() && e.id() != keep)
            .sorted(Comparator.comparing(CacheEntry::lastUsed))
            .toList();
    for (CacheEntry e : byAge) {
      if (total <= maxBytes) {
        break;
      }
      entries.remove(e.id());
      Files.deleteIfExists(archive(e.id()));
      total -= e.size();
    }
  }

  private Scope scope(String token) throws CacheException {
    Scope scope = token == null ? null : tokens.get(token);
    if (scope == null) {
      throw new CacheException(
          Kind.UNAUTHORIZED, "unknown cache token, or the job it was issued to has ended");
    }
    return scope;
  }

  private static void checkKey(String key) throws CacheException {
    if (key == null || key.isEmpty()) {
      throw new CacheException(Kind.BAD_REQUEST, "the cache key is empty");
    }
    if (key.length() > MAX_KEY_LENGTH) {
      throw new CacheException(
          Kind.BAD_REQUEST,
          "the cache key is "
              + key.length()
              + " characters long; at most "
              + MAX_KEY_LENGTH
              + " are allowed");
    }
    if (key.contains(",")) {
      throw new CacheException(
          Kind.BAD_REQUEST, "the cache key '" + key + "' holds a comma, which is not allowed");
    }
  }

  private Path archive(long id) {
    return dir.resolve("archives").resolve(id + ".cache");
  }

  private Path upload(long id) {
    return dir.resolve("uploads").resolve(id + ".part");
  }

  private void saveQuietly() {
    try {
      save();
    } catch (IOException e) {
      // The in-memory index stays right; the next successful save writes it.
    }
  }

  /** Writes the index of committed entries (uploads in progress do not survive a restart). */
  private void save() throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CacheEntry e : entries.values()) {
      if (e.committed()) {
        rows.add(toRow(e));
      }
    }
    Path tmp = dir.resolve("index.json.tmp");
    JSON.writeValue(tmp.toFile(), rows);
    Files.move(
        tmp,
        dir.resolve("index.json"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private static Map<String, Object> toRow(CacheEntry e) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", e.id());
    row.put("repository", e.repository());
    row.put("scope", e.scope());
    row.put("key", e.key());
    row.put("version", e.version());
    row.put("size", e.size());
    row.put("created", e.created().toEpochMilli());
    row.put("lastUsed", e.lastUsed().toEpochMilli());
    return row;
  }

  private static CacheEntry fromRow(Map<String, Object> row) {
    return new CacheEntry(
        ((Number) row.get("id")).longValue(),
        (String) row.get("repository"),
        (String) row.get("scope"),
        (String) row.get("key"),
        (String) row.get("version"),
        ((Number) row.get("size")).longValue(),
        Instant.ofEpochMilli(((Number) row.get("created")).longValue()),
        Instant.ofEpochMilli(((Number) row.get("lastUsed")).longValue()),
        true);
  }
}
