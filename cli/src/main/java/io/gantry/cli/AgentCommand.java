package io.gantry.cli;

import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.WorkflowParser;
import io.gantry.server.actions.ActionRuntime;
import io.gantry.server.agent.AgentProcess;
import io.gantry.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gantry agent}: runs jobs of a server on this machine (see {@link AgentProcess}). SIGTERM
 * drains it: no new jobs, the running ones finish, then it exits.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description =
        "Runs jobs for a Gantry server on this machine: claims the jobs whose runs-on labels it"
            + " carries (self-hosted, its OS and architecture, and its --labels), streams their"
            + " logs back. SIGTERM: finish the running jobs, take no new ones, exit.")
final class AgentCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "The Gantry server (default: $GANTRY_SERVER).")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "The agent's token from 'gantry agents add' (default: $GANTRY_AGENT_TOKEN).")
  String token;

  @Option(
      names = "--labels",
      split = ",",
      paramLabel = "LABEL",
      description =
          "The registered labels this process offers (default: all of them); self-hosted, the OS"
              + " and the architecture are always carried.")
  List<String> labels = List.of();

  @Option(names = "--workers", defaultValue = "1", description = "Jobs run at once (default 1).")
  int workers;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Workspaces, step logs and caches of its jobs (default: DATA_DIR/agent).")
  Path dataDir;

  @Option(
      names = "--action-source",
      paramLabel = "URL",
      description =
          "A git base URL actions are fetched from (repeatable; default https://github.com).")
  List<String> actionSources = new java.util.ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    String url = server != null ? server : System.getenv(ApiClient.SERVER);
    String key = token != null ? token : System.getenv(Settings.AGENT_TOKEN);
    if (url == null || url.isBlank()) {
      err.println("gantry agent: --server is required (or export " + ApiClient.SERVER + ")");
      return Gantry.BAD_INPUT;
    }
    if (key == null || key.isBlank()) {
      err.println(
          "gantry agent: --token is required (or export "
              + Settings.AGENT_TOKEN
              + "); 'gantry agents add NAME' prints one");
      return Gantry.BAD_INPUT;
    }
    if (workers < 1 || workers > 64) {
      err.println("gantry agent: --workers must be from 1 to 64, got " + workers);
      return Gantry.BAD_INPUT;
    }
    for (String source : actionSources) {
      if (!source.matches("(https?|file|ssh|git)://.+")) {
        err.println(
            "gantry agent: --action-source must be a git base URL (https://…, file:///…), got '"
                + source
                + "'");
        return Gantry.BAD_INPUT;
      }
    }
    Path data = dataDir != null ? dataDir : Settings.defaultDataDir().resolve("agent");
    // Artifacts and caches of its jobs are kept by the server, for jobs on other machines.
    io.gantry.server.agent.AgentServices remote =
        new io.gantry.server.agent.AgentServices(url, key, data.resolve("transfers"));
    PrintWriter out = spec.commandLine().getOut();
    // Step processes of an agent killed on this folder (kill -9 mid-job): the server has marked
    // their jobs interrupted once the agent's lease ran out.
    io.gantry.runner.execution.JobMarkers.killOrphans(data);
    remote.clearLeftovers();
    try (RunStore store = Stores.openEmbedded(data);
        ActionRuntime runtime =
            ActionRuntime.start(
                data,
                ServerConfig.Actions.DEFAULTS.withSourcesFirst(actionSources),
                // actions/checkout clones the run's repository (the ticket's clone URL and
                // credentials) through a mirror of the agent's own.
                new io.gantry.runner.git.Mirrors(data.resolve("git")),
                "127.0.0.1");
        WorkflowExecutor executor =
            new WorkflowExecutor(
                runtime.registry(),
                store,
                ExecutorOptions.defaults(data).withMaxParallelJobs(Math.max(2, workers)),
                runtime.stepRunners(),
                remote.jobServices(runtime.jobServices()))) {
      executor.keepJobArtifactsWith(remote::artifacts);
      AgentProcess agent =
          new AgentProcess(
              url,
              key,
              labels,
              workers,
              executor,
              new WorkflowParser(runtime.catalog()),
              new Gantry.Version().getVersion()[0],
              out,
              remote);
      // So are its deploys: the servers' rollbacks, API and pages see them (issue 16, item 1).
      agent.keepDeploysWith(remote::deployHistory);
      Thread drain =
          new Thread(
              () -> {
                agent.drain();
                try {
                  agent.awaitDrained();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                out.println("gantry agent: drained, exiting");
                out.flush();
              },
              "gantry-agent-drain");
      Runtime.getRuntime().addShutdownHook(drain);
      int code = agent.run();
      try {
        Runtime.getRuntime().removeShutdownHook(drain);
      } catch (IllegalStateException shuttingDown) {
        // SIGTERM: the hook drains and the JVM exits when it is done.
      }
      return code;
    }
  }
}
