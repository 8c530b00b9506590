package io.gantry.localecs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Persists the {@link Model.State} as one JSON file in the data directory, replaced atomically on
 * every save, so a crash leaves either the old or the new state, never half of one.
 */
final class StateStore {

  private final Path file;
  private final ObjectMapper mapper;

  StateStore(Path dataDir, ObjectMapper mapper) {
    this.file = dataDir.resolve("state.json");
    this.mapper = mapper.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  }

  Model.State load() {
    if (!Files.exists(file)) {
      return new Model.State();
    }
    try {
      return mapper.readValue(file.toFile(), Model.State.class);
    } catch (IOException e) {
      throw new IllegalStateException(
          file
              + " is not a local-ecs state file ("
              + e.getMessage().lines().findFirst().orElse("")
              + "); move it away to start with an empty state",
          e);
    }
  }

  void save(Model.State state) {
    try {
      Path tmp = file.resolveSibling("state.json.tmp");
      mapper.writeValue(tmp.toFile(), state);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
