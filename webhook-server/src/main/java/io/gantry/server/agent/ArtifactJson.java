package io.gantry.server.agent;

import io.gantry.runner.store.ArtifactRecords.Artifact;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** An artifact's row as {@link AgentTransfers} sends it and {@link AgentArtifacts} reads it. */
final class ArtifactJson {

  private ArtifactJson() {}

  static Map<String, Object> of(Artifact a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id());
    m.put("runId", a.runId());
    m.put("repository", a.repository());
    m.put("name", a.name());
    m.put("job", a.job());
    m.put("file", a.file());
    m.put("sizeBytes", a.sizeBytes());
    m.put("files", a.files());
    m.put("digest", a.digest());
    m.put("createdAt", a.createdAt().toString());
    m.put("expiresAt", a.expiresAt().toString());
    return m;
  }

  static Artifact from(Map<?, ?> m) {
    return new Artifact(
        (long) AgentProtocol.number(m.get("id")),
        (long) AgentProtocol.number(m.get("runId")),
        String.valueOf(m.get("repository")),
        String.valueOf(m.get("name")),
        String.valueOf(m.get("job")),
        String.valueOf(m.get("file")),
        (long) AgentProtocol.number(m.get("sizeBytes")),
        AgentProtocol.integer(m.get("files")),
        String.valueOf(m.get("digest")),
        Instant.parse(String.valueOf(m.get("createdAt"))),
        Instant.parse(String.valueOf(m.get("expiresAt"))));
  }
}
