package io.gantry.runner.container;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The start-up sweep of containers: every container and network Gantry started for a run of this
 * data directory that is no longer running (a {@code kill -9} of the server, a crash) is removed.
 * Containers of other data directories (another server, a {@code gantry run}) are left alone.
 */
public final class Orphans {

  private static final Duration TIMEOUT = Duration.ofMinutes(2);

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
    return sweep(Podman.locate(dataDir), dataDir, running);
  }

  static List<String> sweep(Podman podman, Path dataDir, LongPredicate running) {
    String store = Labels.store(dataDir);
    List<String> removed = new ArrayList<>();
    Podman.Result ps =
        podman.run(
            TIMEOUT,
            "ps",
            "-a",
            "--filter",
            "label=" + Labels.STORE + "=" + store,
            "--format",
            "{{.ID}} {{index .Labels \"" + Labels.RUN + "\"}} {{.Names}}");
    for (String line : ps.out().split("\n")) {
      String[] parts = line.strip().split(" ");
      if (parts.length < 3 || !parts[1].matches("[0-9]{1,18}")) {
        continue;
      }
      if (!running.test(Long.parseLong(parts[1]))
          && podman.run(TIMEOUT, "rm", "-f", "-v", "-t", "0", parts[0]).ok()) {
        removed.add(parts[2]);
      }
    }
    Podman.Result networks =
        podman.run(
            TIMEOUT,
            "network",
            "ls",
            "--filter",
            "label=" + Labels.STORE + "=" + store,
            "--format",
            "{{.Name}}");
    String prefix = "gantry-" + store + "-";
    for (String name : networks.out().split("\n")) {
      name = name.strip();
      if (!name.startsWith(prefix)) {
        continue;
      }
      String[] parts = name.substring(prefix.length()).split("-");
      if (parts.length < 2 || !parts[0].matches("[0-9]{1,18}")) {
        continue;
      }
      if (!running.test(Long.parseLong(parts[0]))
          && podman.run(TIMEOUT, "network", "rm", "-f", name).ok()) {
        removed.add(name);
      }
    }
    return removed;
  }
}
