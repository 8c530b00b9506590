package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * The start-up sweep of containers: every container and network Gantry started for a run of this
 * data directory that is no longer running (a {@code kill -9} of the server, a crash) is removed.
 * Containers of other data directories (another server, a {@code gantry run}) are left alone.
 */
public final class Orphans {

  private Orphans() {}

  /**
   * Removes the leftovers and returns their names; nothing (and no error) when Podman is not
   * installed or no job of this data directory ever started a container.
   *
   * @param running whether a run id is still queued or in progress
   */
  public static List<String> sweep(Path dataDir, LongPredicate running) {
    if (Podman.which("podman") == null
        || !java.nio.file.Files.isDirectory(dataDir.resolve("containers"))) {
      return List.of();
    }
    return sweep(Podman.locate(dataDir).engine(), dataDir, running);
  }

  static List<String> sweep(ContainerEngine engine, Path dataDir, LongPredicate running) {
    String store = Labels.store(dataDir);
    List<String> removed = new ArrayList<>();
    for (ContainerStatus c : engine.list(Map.of(Labels.STORE, store))) {
      String run = c.labels().getOrDefault(Labels.RUN, "");
      if (run.matches("[0-9]{1,18}")
          && !running.test(Long.parseLong(run))
          && JobContainers.remove(engine, c.id()) == null) {
        removed.add(c.name());
      }
    }
    String prefix = "gantry-" + store + "-";
    for (String name : engine.networks(Map.of(Labels.STORE, store))) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      String[] parts = name.substring(prefix.length()).split("-");
      if (parts.length < 2 || !parts[0].matches("[0-9]{1,18}")) {
        continue;
      }
      if (!running.test(Long.parseLong(parts[0]))) {
        engine.removeNetwork(name);
        removed.add(name);
      }
    }
    return removed;
  }
}
