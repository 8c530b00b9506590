package io.gantry.runner.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheStoreTest {

  @TempDir Path dir;

  private static long save(CacheStore store, String token, String key, String content)
      throws Exception {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    long id = store.reserve(token, key, "v1", (long) bytes.length);
    int half = bytes.length / 2;
    // Chunks out of order, at their offsets.
    store.upload(
        token,
        id,
        half,
        new ByteArrayInputStream(bytes, half, bytes.length - half),
        bytes.length - half);
    store.upload(token, id, 0, new ByteArrayInputStream(bytes, 0, half), half);
    store.commit(token, id, bytes.length);
    return id;
  }

  @Test
  void aSavedArchiveIsRestoredByKeyAndRestoreKeyPrefixNewestFirst() throws Exception {
    CacheStore store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
    String job = store.issueToken("acme/web", "refs/heads/main", "main");
    save(store, job, "maven-aaa", "first archive");
    long newer = save(store, job, "maven-bbb", "second archive");

    assertThat(store.lookup(job, List.of("maven-aaa"), "v1"))
        .get()
        .extracting(CacheEntry::key)
        .isEqualTo("maven-aaa");
    assertThat(Files.readString(store.archiveOf(newer).orElseThrow())).isEqualTo("second archive");
    // The primary key is matched exactly; restore keys also as prefixes, newest first.
    assertThat(store.lookup(job, List.of("maven"), "v1")).isEmpty();
    assertThat(store.lookup(job, List.of("maven-ccc", "maven-"), "v1"))
        .get()
        .extracting(CacheEntry::id)
        .isEqualTo(newer);
    // Another version (other paths or compression) is another cache.
    assertThat(store.lookup(job, List.of("maven-aaa"), "v2")).isEmpty();
  }

  @Test
  void aKeyIsImmutableOnceSaved() throws Exception {
    CacheStore store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
    String job = store.issueToken("acme/web", "refs/heads/main", "main");
    save(store, job, "k", "x");
    assertThatThrownBy(() -> store.reserve(job, "k", "v1", 1L))
        .isInstanceOf(CacheException.class)
        .hasMessageStartingWith("cache key 'k' already exists for refs/heads/main")
        .extracting(e -> ((CacheException) e).kind())
        .isEqualTo(CacheException.Kind.CONFLICT);
  }

  @Test
  void aBranchRestoresFromTheDefaultBranchButNotFromAnotherBranchOrRepository() throws Exception {
    CacheStore store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
    save(store, store.issueToken("acme/web", "refs/heads/main", "main"), "deps", "from main");
    save(store, store.issueToken("acme/web", "refs/heads/other", "main"), "other", "x");

    String feature = store.issueToken("acme/web", "refs/heads/feature", "main");
    assertThat(store.lookup(feature, List.of("deps"), "v1"))
        .get()
        .extracting(CacheEntry::scope)
        .isEqualTo("refs/heads/main");
    assertThat(store.lookup(feature, List.of("other"), "v1")).isEmpty();
    String elsewhere = store.issueToken("acme/api", "refs/heads/main", "main");
    assertThat(store.lookup(elsewhere, List.of("deps"), "v1")).isEmpty();
  }

  @Test
  void aTokenStopsWorkingWhenItsJobEndsAndItsUnfinishedUploadIsDropped() throws Exception {
    CacheStore store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
    String job = store.issueToken("acme/web", "refs/heads/main", "main");
    long id = store.reserve(job, "half", "v1", 10L);
    store.upload(job, id, 0, new ByteArrayInputStream(new byte[5]), 5);
    store.revokeToken(job);

    assertThatThrownBy(() -> store.commit(job, id, 5))
        .hasMessage("unknown cache token, or the job it was issued to has ended");
    String next = store.issueToken("acme/web", "refs/heads/main", "main");
    assertThat(store.lookup(next, List.of("half"), "v1")).isEmpty();
    // The key was never saved, so the next job may save it.
    save(store, next, "half", "whole");
    assertThat(store.lookup(next, List.of("half"), "v1")).isPresent();
  }

  @Test
  void anIncompleteUploadIsNotCommitted() throws Exception {
    CacheStore store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
    String job = store.issueToken("acme/web", "refs/heads/main", "main");
    long id = store.reserve(job, "k", "v1", 10L);
    store.upload(job, id, 0, new ByteArrayInputStream(new byte[4]), 4);
    assertThatThrownBy(() -> store.commit(job, id, 10))
        .hasMessage("upload " + id + " holds 4 bytes, not the 10 announced; nothing was saved");
    assertThat(store.lookup(job, List.of("k"), "v1")).isEmpty();
  }

  @Test
  void badKeysAreRefusedWithTheReason() throws Exception {
    CacheStore store = CacheStore.open(dir, CacheStore.DEFAULT_MAX_BYTES);
    String job = store.issueToken("acme/web", "refs/heads/main", "main");
    assertThatThrownBy(() -> store.reserve(job, "a,b", "v1", 1L))
        .hasMessage("the cache key 'a,b' holds a comma, which is not allowed");
    assertThatThrownBy(() -> store.reserve(job, "k".repeat(513), "v1", 1L))
        .hasMessage("the cache key is 513 characters long; at most 512 are allowed");
    assertThatThrownBy(() -> store.reserve(job, "big", "v1", 2L << 40))
        .extracting(e -> ((CacheException) e).kind())
        .isEqualTo(CacheException.Kind.TOO_LARGE);
  }

  @Test
  void pastTheLimitTheLeastRecentlyUsedArchivesAreEvictedAndTheIndexSurvivesARestart()
      throws Exception {
    CacheStore store = CacheStore.open(dir, 25);
    String job = store.issueToken("acme/web", "refs/heads/main", "main");
    save(store, job, "a", "0123456789");
    save(store, job, "b", "0123456789");
    Thread.sleep(5); // distinct last-use instants
    store.lookup(job, List.of("a"), "v1"); // a is now used more recently than b
    Thread.sleep(5);
    save(store, job, "c", "0123456789");

    assertThat(store.list("acme/web"))
        .extracting(CacheEntry::key)
        .containsExactlyInAnyOrder("a", "c");
    CacheStore reopened = CacheStore.open(dir, 25);
    String later = reopened.issueToken("acme/web", "refs/heads/main", "main");
    assertThat(reopened.lookup(later, List.of("c"), "v1")).isPresent();
    assertThat(reopened.lookup(later, List.of("b"), "v1")).isEmpty();
  }
}
