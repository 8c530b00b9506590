package io.gantry.runner.artifact;

import io.gantry.runner.files.PrivateFiles;
import io.gantry.runner.store.ArtifactRecords;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.runner.store.RunStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The artifacts of runs: one zip per artifact in {@code DATA/artifacts/RUN/}, its row in the store,
 * shared by every job of the run (and by the server and CLI that list and serve them). A zip is
 * written to a temporary name and renamed once whole; its row is inserted after that, so a listed
 * artifact is always complete, and an upload that fails leaves nothing behind. Retention: each
 * artifact expires after its {@code retention-days} (default and most {@value
 * #MAX_RETENTION_DAYS}); an expired one is no longer listed, and {@link #sweep} deletes it.
 *
 * <p>Thread-safe.
 */
public final class ArtifactStore implements RunArtifacts {

  /** How big one artifact may be: its files read, its zip written, its files extracted. */
  public static final long DEFAULT_MAX_BYTES = 5L << 30;

  /** GitHub's default and maximum retention. */
  public static final int MAX_RETENTION_DAYS = 90;

  /** How many earlier attempts of a rerun are searched for artifacts. */
  private static final int MAX_ATTEMPTS = 100;

  private final Path dir;
  private final ArtifactRecords records;
  private final Clock clock;
  private final long maxBytes;
  private volatile String publicUrl;

  ArtifactStore(Path dir, ArtifactRecords records, Clock clock, long maxBytes) {
    this.dir = dir.toAbsolutePath();
    this.records = records;
    this.clock = clock;
    this.maxBytes = maxBytes;
  }

  /** The artifacts of the runs in {@code store}, their zips under {@code dataDir/artifacts}. */
  public static ArtifactStore in(Path dataDir, RunStore store) {
    return in(dataDir, store, Clock.systemUTC(), DEFAULT_MAX_BYTES);
  }

  /** With a clock (retention) and a size limit of one's own. */
  public static ArtifactStore in(Path dataDir, RunStore store, Clock clock, long maxBytes) {
    return new ArtifactStore(
        dataDir.resolve("artifacts"), ArtifactRecords.in(store), clock, maxBytes);
  }

  /** The files an upload takes, and the folder their paths in the zip are relative to. */
  public record Selection(Path root, List<Path> files) {}

  /** What to upload. */
  public record Upload(
      long runId,
      String job,
      String name,
      Selection files,
      int compressionLevel,
      int retentionDays,
      boolean overwrite) {}

  /**
   * Sets the server's public URL: artifact URLs then point at its REST API; without it they are
   * {@code file:} URLs of the zips.
   */
  public void linkTo(String url) {
    this.publicUrl = url == null ? null : url.replaceAll("/+$", "");
  }

  @Override
  public String urlOf(Artifact artifact) {
    String base = publicUrl;
    if (base == null) {
      return zipOf(artifact).toUri().toString();
    }
    return base
        + "/api/runs/"
        + artifact.runId()
        + "/artifacts/"
        + URLEncoder.encode(artifact.name(), StandardCharsets.UTF_8).replace("+", "%20")
        + "/zip";
  }

  /** The largest artifact this store takes, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** A zip written: its size and SHA-256 as lowercase hex. */
  public record Zipped(long bytes, String sha256) {}

  /**
   * Zips the selection into a new file {@code target} (for an agent, which sends it to the server);
   * fails past {@code maxBytes}, read or written.
   */
  public static Zipped zip(Selection files, int compressionLevel, Path target, long maxBytes)
      throws ArtifactException, IOException {
    checkLevel(compressionLevel);
    ZipFiles.Written written =
        ZipFiles.write(files.root(), files.files(), target, compressionLevel, maxBytes);
    return new Zipped(written.bytes(), written.sha256());
  }

  /** The SHA-256 of a file as lowercase hex. */
  public static String digestOf(Path file) throws IOException {
    return ZipFiles.digestOf(file);
  }

  /**
   * Extracts the zip of {@code artifact} found at {@code zip} (a download) into {@code target},
   * after checking it against the recorded digest; returns the number of files.
   */
  public static int extractChecked(Artifact artifact, Path zip, Path target, long maxBytes)
      throws ArtifactException, IOException {
    String digest = ZipFiles.digestOf(zip);
    if (!digest.equals(artifact.digest())) {
      throw new ArtifactException(
          "the artifact '"
              + artifact.name()
              + "' is damaged: its zip's SHA-256 is "
              + digest
              + ", "
              + artifact.digest()
              + " was recorded; upload it again");
    }
    return ZipFiles.extract(zip, target, maxBytes);
  }

  private static void checkLevel(int level) throws ArtifactException {
    if (level < 0 || level > 9) {
      throw new ArtifactException(
          "compression-level is " + level + "; give 0 (none) to 9 (smallest)");
    }
  }

  /**
   * An artifact zipped on another machine (an agent) and received whole in {@code zip}, a file of
   * {@link #receiving()}: checked against the digest the sender announced, then kept as {@link
   * #upload} keeps one (the file is moved; on failure it is deleted).
   */
  public Artifact adopt(Upload upload, int files, Path zip, String sha256, Consumer<String> log)
      throws ArtifactException, IOException {
    try {
      String problem = ArtifactNames.problem(upload.name());
      if (problem != null) {
        throw new ArtifactException(problem);
      }
      int days = retention(upload.retentionDays(), log);
      if (!upload.overwrite() && findInRun(upload.runId(), upload.name()).isPresent()) {
        throw exists(upload.name());
      }
      long bytes = Files.size(zip);
      if (bytes > maxBytes) {
        throw new ArtifactException(
            "the artifact '" + upload.name() + "' is over the limit of " + maxBytes + " bytes");
      }
      String digest = ZipFiles.digestOf(zip);
      if (!digest.equalsIgnoreCase(sha256)) {
        throw new ArtifactException(
            "the artifact '"
                + upload.name()
                + "' arrived damaged: its SHA-256 is "
                + digest
                + ", the sender announced "
                + sha256
                + "; upload it again");
      }
      return keep(upload, files, days, zip, new ZipFiles.Written(bytes, digest), log);
    } finally {
      Files.deleteIfExists(zip);
    }
  }

  /** The folder where zips being received from agents are written, on this store's disk. */
  public Path receiving() throws IOException {
    Path receiving = dir.resolve(".receiving");
    PrivateFiles.createDirectories(receiving);
    return receiving;
  }

  @Override
  public Artifact upload(Upload upload, Consumer<String> log)
      throws ArtifactException, IOException {
    String problem = ArtifactNames.problem(upload.name());
    if (problem != null) {
      throw new ArtifactException(problem);
    }
    checkLevel(upload.compressionLevel());
    int days = retention(upload.retentionDays(), log);
    if (!upload.overwrite() && findInRun(upload.runId(), upload.name()).isPresent()) {
      throw exists(upload.name());
    }
    Path runDir = runDir(upload.runId());
    PrivateFiles.createDirectories(runDir);
    Path part = runDir.resolve("." + UUID.randomUUID() + ".zip.part");
    log.accept(
        "Uploading "
            + upload.files().files().size()
            + " file(s) from "
            + upload.files().root()
            + " as artifact '"
            + upload.name()
            + "'");
    try {
      ZipFiles.Written written =
          ZipFiles.write(
              upload.files().root(),
              upload.files().files(),
              part,
              upload.compressionLevel(),
              maxBytes);
      return keep(upload, upload.files().files().size(), days, part, written, log);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  private static int retention(int retentionDays, Consumer<String> log) throws ArtifactException {
    int days = retentionDays;
    if (days < 0) {
      throw new ArtifactException(
          "retention-days is " + days + "; give 1 to " + MAX_RETENTION_DAYS + " (0: the default)");
    }
    if (days == 0) {
      return MAX_RETENTION_DAYS;
    }
    if (days > MAX_RETENTION_DAYS) {
      log.accept(
          "Warning: retention-days "
              + days
              + " is over the maximum; using "
              + MAX_RETENTION_DAYS
              + " instead");
      return MAX_RETENTION_DAYS;
    }
    return days;
  }

  /** Moves a whole zip ({@code part}) into the run's folder and records it. */
  private Artifact keep(
      Upload upload, int files, int days, Path part, ZipFiles.Written written, Consumer<String> log)
      throws ArtifactException, IOException {
    Path runDir = runDir(upload.runId());
    PrivateFiles.createDirectories(runDir);
    String file = UUID.randomUUID() + ".zip";
    Path zip = runDir.resolve(file);
    ArtifactRecords.Inserted inserted;
    try {
      PrivateFiles.restrict(part);
      Files.move(part, zip, StandardCopyOption.ATOMIC_MOVE);
      Instant now = clock.instant();
      inserted =
          records.insert(
              new ArtifactRecords.NewArtifact(
                  upload.runId(),
                  upload.name(),
                  upload.job(),
                  file,
                  written.bytes(),
                  files,
                  written.sha256(),
                  now,
                  now.plus(Duration.ofDays(days))),
              upload.overwrite());
      if (inserted.artifact() == null) {
        throw exists(upload.name());
      }
    } catch (ArtifactException | IOException | RuntimeException e) {
      Files.deleteIfExists(zip);
      throw e;
    }
    if (inserted.replaced() != null) {
      log.accept(
          "Replaced the artifact '"
              + upload.name()
              + "' (id "
              + inserted.replaced().id()
              + ") of this run");
      Files.deleteIfExists(zipOf(inserted.replaced()));
    }
    return inserted.artifact();
  }

  private static ArtifactException exists(String name) {
    return new ArtifactException(
        "an artifact named '"
            + name
            + "' already exists in this run; give another name, or 'overwrite: true' to replace"
            + " it");
  }

  /** Newest attempt first. */
  @Override
  public List<Artifact> list(long runId) {
    Instant now = clock.instant();
    Map<String, Artifact> byName = new LinkedHashMap<>();
    for (long attempt : records.attempts(runId, MAX_ATTEMPTS)) {
      for (Artifact artifact : records.ofRun(attempt, now)) {
        byName.putIfAbsent(artifact.name(), artifact);
      }
    }
    List<Artifact> all = new ArrayList<>(byName.values());
    all.sort(java.util.Comparator.comparing(Artifact::name));
    return List.copyOf(all);
  }

  @Override
  public Optional<Artifact> find(long runId, String name) {
    return list(runId).stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /** An artifact by id, unless expired. */
  public Optional<Artifact> byId(long id) {
    return records.find(id, clock.instant());
  }

  private Optional<Artifact> findInRun(long runId, String name) {
    return records.ofRun(runId, clock.instant()).stream()
        .filter(a -> a.name().equals(name))
        .findFirst();
  }

  /** The artifact's zip file, to serve in parts; fails when the file is gone. */
  public Path fileOf(Artifact artifact) throws ArtifactException {
    Path zip = zipOf(artifact);
    if (!Files.isRegularFile(zip)) {
      throw gone(artifact);
    }
    return zip;
  }

  /** The artifact's zip, to stream; fails when the file is gone. */
  public InputStream open(Artifact artifact) throws ArtifactException, IOException {
    Path zip = zipOf(artifact);
    if (!Files.isRegularFile(zip)) {
      throw gone(artifact);
    }
    return Files.newInputStream(zip);
  }

  @Override
  public int extract(Artifact artifact, Path target) throws ArtifactException, IOException {
    Path zip = zipOf(artifact);
    if (!Files.isRegularFile(zip)) {
      throw gone(artifact);
    }
    return extractChecked(artifact, zip, target, maxBytes);
  }

  private static ArtifactException gone(Artifact artifact) {
    return new ArtifactException(
        "the zip of the artifact '"
            + artifact.name()
            + "' (id "
            + artifact.id()
            + ") is missing from the data directory; it was deleted or replaced");
  }

  /** Deletes the artifacts that have expired, rows and zips; returns how many. */
  public int sweep() {
    int deleted = 0;
    while (true) {
      List<Artifact> batch = records.expired(clock.instant(), 100);
      if (batch.isEmpty()) {
        return deleted;
      }
      for (Artifact artifact : batch) {
        if (records.delete(artifact.id())) {
          deleted++;
        }
        try {
          Files.deleteIfExists(zipOf(artifact));
          Path runDir = runDir(artifact.runId());
          try (var left = Files.list(runDir)) {
            if (left.findAny().isEmpty()) {
              Files.deleteIfExists(runDir);
            }
          }
        } catch (IOException e) {
          // The row is gone, so the file is no longer served; a later sweep cannot find it either,
          // but the run's folder goes when it is empty.
        }
      }
    }
  }

  private Path runDir(long runId) {
    return dir.resolve(Long.toString(runId));
  }

  private Path zipOf(Artifact artifact) {
    return runDir(artifact.runId()).resolve(artifact.file());
  }
}
