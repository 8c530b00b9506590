package io.gantry.runner.execution;

import io.gantry.runner.container.Orphans;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The start-up sweep of the data directory: the workspace ({@code workspaces/<run-id>}) and
 * temporary folder ({@code tmp/<run-id>}, which holds the step scripts with their secrets and the
 * raw, unmasked step output) of every run that is not running are removed. A run is running while
 * the store says it is queued or in progress; a folder of a completed run, or of a run the store
 * does not know, is left over from a process that died (a crash, {@code kill -9}). So are the
 * service and job containers and networks of such runs, found by their labels and removed ({@link
 * Orphans}).
 */
public final class StaleRunFiles {

  private StaleRunFiles() {}

  /**
   * Removes the stale folders under {@code dataDir}; returns the folders removed. A folder that
   * cannot be removed whole (a file a leftover process holds) is left for the next sweep.
   */
  public static List<Path> sweep(Path dataDir, RunHistory store) {
    List<Path> removed = new ArrayList<>();
    try {
      Orphans.sweep(dataDir, runId -> running(store, runId));
    } catch (RuntimeException e) {
      // Podman not usable: nothing of ours can be running in it either
    }
    for (String area : List.of("workspaces", "tmp")) {
      Path root = dataDir.resolve(area);
      if (!Files.isDirectory(root)) {
        continue;
      }
      List<Path> folders;
      try (Stream<Path> children = Files.list(root)) {
        folders = children.filter(Files::isDirectory).toList();
      } catch (IOException e) {
        continue;
      }
      for (Path folder : folders) {
        String name = folder.getFileName().toString();
        if (!name.matches("[0-9]{1,18}") || running(store, Long.parseLong(name))) {
          continue;
        }
        if (delete(folder)) {
          removed.add(folder);
        }
      }
    }
    return removed;
  }

  private static boolean running(RunHistory store, long runId) {
    Optional<RunHistory.RunRecord> run = store.findRun(runId);
    return run.isPresent() && run.get().status() != RunStatus.COMPLETED;
  }

  private static boolean delete(Path dir) {
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
