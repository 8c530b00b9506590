package io.gantry.runner.artifact;

import io.gantry.runner.store.ArtifactRecords.Artifact;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a job's {@code actions/upload-artifact} and {@code actions/download-artifact} reach: the
 * {@link ArtifactStore} of this machine's data directory for a run orchestrated here, or the
 * server's store over HTTP for a job an agent runs (in {@code webhook-server}'s agent package), so
 * a job on one machine downloads what a job on another uploaded.
 *
 * <p>Implementations are thread-safe. Failures the user can fix are {@link ArtifactException}s
 * whose message is one line saying how.
 */
public interface RunArtifacts {

  /** The files {@code path:} names (see {@link ArtifactPaths}); read on this machine. */
  default ArtifactStore.Selection select(Path workspace, String paths, boolean includeHidden)
      throws ArtifactException {
    return ArtifactPaths.select(workspace, paths, includeHidden);
  }

  /**
   * Stores an artifact of a run. {@code log} gets the lines the step shows.
   *
   * @throws ArtifactException for a bad name, an existing name without {@code overwrite}, or a zip
   *     over the limit; nothing is kept then
   */
  Artifact upload(ArtifactStore.Upload upload, Consumer<String> log)
      throws ArtifactException, IOException;

  /** Where an artifact can be downloaded (upload-artifact's {@code artifact-url}). */
  String urlOf(Artifact artifact);

  /**
   * The artifacts a run sees: its own, and those of the earlier attempts it reruns that it has none
   * of the same name of, by name.
   */
  List<Artifact> list(long runId) throws ArtifactException, IOException;

  /** The artifact of that name a run sees (see {@link #list}). */
  default Optional<Artifact> find(long runId, String name) throws ArtifactException, IOException {
    return list(runId).stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * Extracts an artifact into {@code target} after checking its zip against the recorded digest;
   * returns the number of files.
   */
  int extract(Artifact artifact, Path target) throws ArtifactException, IOException;
}
