package io.gantry.localecs;

import io.gantry.engine.DockerEngine;
import java.nio.file.Path;

/**
 * local-ecs in a process of its own, for tests that kill it: starts on the data directory given as
 * the argument (test timings, tasks kept on close), prints {@code READY ENDPOINT REGISTRY} and runs
 * until killed.
 */
public final class LocalEcsProcess {

  private LocalEcsProcess() {}

  public static void main(String[] args) throws InterruptedException {
    LocalEcs ecs =
        LocalEcs.start(TestSupport.options(Path.of(args[0])).withStopTasksOnClose(false));
    try (DockerEngine engine = new DockerEngine(ecs.dockerHost())) {
      TestImages.ensure(engine);
    }
    System.out.println("READY " + ecs.endpoint() + " " + ecs.registry());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(ecs::close));
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Starts it and waits for its READY line; returns the process and that line's words. */
  static Started start(Path dataDir) throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LocalEcsProcess.class.getName(),
                dataDir.toString())
            .redirectErrorStream(true)
            .start();
    var reader =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    StringBuilder output = new StringBuilder();
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (line.startsWith("READY ")) {
        String[] words = line.split(" ");
        Thread drain =
            new Thread(
                () -> {
                  try {
                    reader.transferTo(java.io.Writer.nullWriter());
                  } catch (java.io.IOException e) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return new Started(process, java.net.URI.create(words[1]), words[2]);
      }
      output.append(line).append('\n');
    }
    throw new AssertionError("local-ecs process ended before it was ready:\n" + output);
  }

  record Started(Process process, java.net.URI endpoint, String registry) {}
}
