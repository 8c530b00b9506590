package io.gantry.runner.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rows of the run's artifacts (table {@code artifacts} of V40); the zips themselves are files
 * of the data directory, kept by {@code io.gantry.runner.artifact.ArtifactStore}, which is the only
 * caller. A row is inserted once its zip is whole, so every row names a complete file.
 *
 * <p>Thread-safe; every method commits before it returns.
 */
public interface ArtifactRecords {

  /**
   * The artifact rows kept in the database of {@code store} (an embedded one from {@link Stores}).
   */
  static ArtifactRecords in(RunStore store) {
    if (store instanceof JdbcRunStore jdbc) {
      return new JdbcArtifactRecords(jdbc.jdbc());
    }
    throw new IllegalArgumentException(
        "artifacts need the JDBC run store, got " + store.getClass().getName());
  }

  /**
   * One artifact of a run.
   *
   * @param repository the run's repository ({@code owner/name})
   * @param job the job that uploaded it
   * @param file the zip's file name in the run's folder
   * @param sizeBytes the zip's size
   * @param files how many files it holds
   * @param digest the zip's SHA-256 as lowercase hex
   */
  record Artifact(
      long id,
      long runId,
      String repository,
      String name,
      String job,
      String file,
      long sizeBytes,
      int files,
      String digest,
      Instant createdAt,
      Instant expiresAt) {}

  /** An artifact to record; its zip is already complete. */
  record NewArtifact(
      long runId,
      String name,
      String job,
      String file,
      long sizeBytes,
      int files,
      String digest,
      Instant createdAt,
      Instant expiresAt) {}

  /**
   * What {@link #insert} did.
   *
   * @param artifact the new row, or null when the name was taken and not replaced
   * @param replaced the row it replaced (its zip to delete), or null
   */
  record Inserted(Artifact artifact, Artifact replaced) {}

  /**
   * Records an artifact. When the run already has one of the name, {@code replace} deletes that row
   * in the same transaction; otherwise nothing is inserted.
   */
  Inserted insert(NewArtifact artifact, boolean replace);

  /** The artifacts of one run (this attempt only), unexpired at {@code now}, by name. */
  List<Artifact> ofRun(long runId, Instant now);

  /** One artifact by id, unexpired at {@code now}. */
  Optional<Artifact> find(long id, Instant now);

  /**
   * The run and the earlier attempts it reruns, newest first (at most {@code max}): a rerun sees
   * the artifacts of the jobs it carried over.
   */
  List<Long> attempts(long runId, int max);

  /** At most {@code limit} artifacts expired at {@code now}, oldest first. */
  List<Artifact> expired(Instant now, int limit);

  /** Deletes one row; false when it was gone already. */
  boolean delete(long id);
}
