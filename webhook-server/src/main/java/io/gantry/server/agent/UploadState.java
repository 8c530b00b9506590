package io.gantry.server.agent;

import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The state of one artifact upload from an agent, kept beside its part file in the artifact store's
 * receiving folder ({@code ID.part} and {@code ID.json}): servers that share that folder (their
 * {@code artifacts/} on shared storage) each take chunks of the same upload, whichever receives
 * them, since what arrived is the part file's size, never a count in one server's memory.
 */
final class UploadState {

  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");

  final long agentId;
  final ArtifactStore.Upload upload;
  final int files;
  final long size;
  final String sha256;
  final Path part;

  /** Bytes received: the part file's size when this server last looked (guarded by this). */
  long received;

  volatile long touched = System.currentTimeMillis();

  UploadState(
      long agentId, ArtifactStore.Upload upload, int files, long size, String sha256, Path part) {
    this.agentId = agentId;
    this.upload = upload;
    this.files = files;
    this.size = size;
    this.sha256 = sha256;
    this.part = part;
  }

  /** Whether {@code id} is an upload id this server hands out (a UUID): never a path. */
  static boolean validId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** Writes the state beside the part file, for the other servers sharing the folder. */
  void save() throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("agent", agentId);
    json.put("run", upload.runId());
    json.put("job", upload.job());
    json.put("name", upload.name());
    json.put("retentionDays", upload.retentionDays());
    json.put("overwrite", upload.overwrite());
    json.put("files", files);
    json.put("size", size);
    json.put("sha256", sha256);
    Path temp = Files.createTempFile(part.getParent(), "state", ".tmp");
    Files.writeString(temp, Expressions.toJson(json));
    Files.move(temp, sidecar(part), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The upload {@code id} another server announced in the shared folder, if it is there. */
  static Optional<UploadState> load(Path receiving, String id) throws IOException {
    Path part = receiving.resolve(id + ".part");
    String text;
    try {
      text = Files.readString(sidecar(part));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      if (!(Expressions.fromJson(text) instanceof Map<?, ?> m)) {
        return Optional.empty();
      }
      ArtifactStore.Upload upload =
          new ArtifactStore.Upload(
              (long) AgentProtocol.number(m.get("run")),
              String.valueOf(m.get("job")),
              String.valueOf(m.get("name")),
              new ArtifactStore.Selection(Path.of(""), List.of()),
              0,
              AgentProtocol.integer(m.get("retentionDays")),
              Boolean.TRUE.equals(m.get("overwrite")));
      return Optional.of(
          new UploadState(
              (long) AgentProtocol.number(m.get("agent")),
              upload,
              AgentProtocol.integer(m.get("files")),
              (long) AgentProtocol.number(m.get("size")),
              String.valueOf(m.get("sha256")),
              part));
    } catch (ExpressionException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Reads what arrived from the part file (another server may have written to it); false when it is
   * gone (finished or dropped, here or on another server). The caller holds this.
   */
  boolean refresh() {
    try {
      received = Files.size(part);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes the part file and the state beside it. */
  void delete() throws IOException {
    Files.deleteIfExists(part);
    Files.deleteIfExists(sidecar(part));
  }

  /** Removes the state beside the part file (once the part file is kept as the artifact). */
  void forget() throws IOException {
    Files.deleteIfExists(sidecar(part));
  }

  private static Path sidecar(Path part) {
    String name = part.getFileName().toString();
    return part.resolveSibling(name.substring(0, name.length() - ".part".length()) + ".json");
  }
}
