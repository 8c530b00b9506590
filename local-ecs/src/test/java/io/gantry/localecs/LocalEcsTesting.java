package io.gantry.localecs;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.DockerEngine;
import java.nio.file.Path;
import java.util.List;

/**
 * For other modules' tests (through this module's test jar): a local-ecs with short timings and the
 * busybox test image loaded, skipped without Podman outside CI and failing with {@code CI=true}.
 */
public final class LocalEcsTesting {

  /** {@code localhost/gantry-test/busybox:1}: never pulled, present in the engine's storage. */
  public static final String IMAGE = TestImages.BUSYBOX;

  /** A web server on 8080 answering $VERSION, stopping at once on SIGTERM. */
  public static final List<String> WEB_COMMAND = TestImages.WEB_COMMAND;

  private LocalEcsTesting() {}

  /** Skips (or, with {@code CI=true}, fails) when Podman or the registry is missing. */
  public static void requireContainers() {
    TestSupport.requireContainers();
  }

  /**
   * Loads {@link #IMAGE} into the engine of a local-ecs started otherwise (e.g. embedded in the
   * server), after {@link #requireContainers}.
   */
  public static void loadTestImage(LocalEcs ecs) {
    try (DockerEngine engine = new DockerEngine(ecs.dockerHost())) {
      TestImages.ensure(engine);
    }
  }

  /**
   * Removes the containers of these tasks (running or stopped), for tests of a local-ecs that does
   * not stop its tasks on close (e.g. embedded in the server).
   */
  public static void removeContainers(LocalEcs ecs, java.util.Collection<String> taskArns) {
    try (DockerEngine engine = new DockerEngine(ecs.dockerHost())) {
      for (String arn : taskArns) {
        for (ContainerEngine.ContainerStatus c :
            engine.list(java.util.Map.of(TaskRunner.LABEL_TASK, arn))) {
          engine.remove(c.id());
        }
      }
    }
  }

  /** Starts local-ecs in {@code dataDir} with the test timings; tasks are removed on close. */
  public static LocalEcs start(Path dataDir) {
    return TestSupport.start(dataDir);
  }
}
