package io.gantry.cli;

import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigException;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gantry serve}: the webhook server, workers and REST API. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Gantry server: webhooks in (/hooks/github|gitea|gitlab|git), runs queued and",
      "executed, commit statuses out, and the REST API under /api. Stops on SIGTERM or Ctrl-C."
    })
final class ServeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      defaultValue = "gantry.yml",
      paramLabel = "FILE",
      description = "The configuration (default: gantry.yml).")
  Path config;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig loaded;
    try {
      loaded = new ConfigLoader(System::getenv).load(config);
    } catch (ConfigException e) {
      err.println("gantry serve: " + e.getMessage());
      return Gantry.BAD_INPUT;
    }
    GantryServer server =
        GantryServer.start(
            loaded,
            notice -> {
              err.println("gantry serve: " + notice);
              err.flush();
            });
    out.println(
        "Gantry listening on http://"
            + loaded.server().bind()
            + ":"
            + server.port()
            + " (public URL "
            + server.publicUrl()
            + ", "
            + loaded.repositories().size()
            + " repositories, "
            + loaded.server().workers()
            + " workers, data in "
            + loaded.server().dataDir()
            + ")");
    server
        .localEcs()
        .ifPresent(
            ecs ->
                out.println(
                    "local-ecs on "
                        + ecs.endpoint()
                        + " (registry "
                        + ecs.registry()
                        + "); runs get AWS_ENDPOINT_URL_ECS/ECR/ELASTIC_LOAD_BALANCING_V2 pointing at it"));
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    stopped.await();
    return Gantry.OK;
  }
}
