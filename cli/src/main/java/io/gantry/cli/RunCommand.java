package io.gantry.cli;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.Isolation;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StaleRunFiles;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.git.LocalRepository;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.trigger.DispatchInputs;
import io.gantry.runner.trigger.EventPayloads;
import io.gantry.runner.trigger.TriggerMatcher;
import io.gantry.runner.workflow.Workflow;
import io.gantry.server.actions.ActionRuntime;
import io.gantry.server.config.ConfigException;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry run}: runs a repository's workflows on this machine, like a push would. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the workflows of DIR (its .github/workflows) whose 'on:' matches the event.",
      "Invalid workflow files are reported as warnings and the valid ones run.",
      "Exit status: 0 when every run succeeded, 1 when one did not, 2 when no valid workflow"
          + " matched while one is invalid (or any is, with --strict) or the command is misused."
    })
final class RunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = ".",
      paramLabel = "DIR",
      description = "The repository to run (default: the current folder).")
  Path dir;

  @Option(
      names = {"-W", "--workflow"},
      paramLabel = "FILE",
      description = "Run this workflow file only (instead of all of DIR/.github/workflows).")
  Path workflowFile;

  @Option(
      names = "--event",
      defaultValue = "push",
      paramLabel = "EVENT",
      description =
          "push (default), workflow_dispatch, or pull_request (of --head into --base, run on"
              + " their test merge).")
  String event;

  @Option(
      names = "--base",
      paramLabel = "BRANCH",
      description = "With --event pull_request: the branch the pull request merges into.")
  String base;

  @Option(
      names = "--head",
      paramLabel = "BRANCH",
      description =
          "With --event pull_request: the branch it merges from (default: DIR's current branch).")
  String headBranch;

  @Option(
      names = "--ref",
      paramLabel = "REF",
      description = "The ref of the event (default: DIR's current branch, else refs/heads/main).")
  String ref;

  @Option(
      names = "--sha",
      paramLabel = "SHA",
      description = "The commit of the event (default: DIR's HEAD).")
  String sha;

  @Option(
      names = {"-s", "--secret"},
      paramLabel = "NAME=VALUE",
      description =
          "A secret (repeatable). NAME alone takes the value of that environment variable.")
  List<String> secrets = new ArrayList<>();

  @Option(
      names = "--secrets-file",
      paramLabel = "FILE",
      description = "Secrets in dotenv format (NAME=value per line).")
  Path secretsFile;

  @Option(
      names = "--var",
      paramLabel = "NAME=VALUE",
      description = "A configuration variable for vars.* (repeatable).")
  List<String> vars = new ArrayList<>();

  @Option(
      names = {"-e", "--env"},
      paramLabel = "NAME=VALUE",
      description = "An environment variable for every step (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(
      names = {"-i", "--input"},
      paramLabel = "NAME=VALUE",
      description = "A workflow_dispatch input (repeatable).")
  List<String> inputs = new ArrayList<>();

  @Option(
      names = {"-j", "--job"},
      paramLabel = "ID",
      description = "Run this job (and the jobs it needs) only (repeatable).")
  List<String> jobs = new ArrayList<>();

  @Option(
      names = "--bind",
      description = "Run in DIR itself instead of a fresh workspace with a copy of it.")
  boolean bind;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A gantry.yml whose actions: section (sources, overrides, builtin, node, cache-size)"
              + " applies; other sections are not read.")
  Path config;

  @Option(
      names = "--action-source",
      paramLabel = "URL",
      description =
          "A git base URL actions are fetched from, tried before the configured ones"
              + " (repeatable; default https://github.com).")
  List<String> actionSources = new ArrayList<>();

  @Option(
      names = "--repo",
      paramLabel = "OWNER/NAME",
      description = "github.repository for the run (default: local/DIR's name).")
  String repo;

  @Option(
      names = "--isolation",
      paramLabel = "none|container",
      description =
          "Where the jobs run: none (this machine, the default) or container (every job in a"
              + " job container of --isolation-image; a job's own container: wins), as gantry.yml's"
              + " runner.isolation.")
  String isolation;

  @Option(
      names = "--isolation-image",
      paramLabel = "IMAGE",
      description = "The image every job runs in with --isolation container.")
  String isolationImage;

  @Option(
      names = "--strict",
      description = "Exit 2 when any workflow file is invalid, instead of running the valid ones.")
  boolean strict;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where runs and logs are kept (default: $GANTRY_DATA_DIR, else"
              + " ~/.local/share/gantry).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (!List.of("push", "workflow_dispatch", "pull_request").contains(event)) {
      err.println(
          "gantry run: --event must be push, workflow_dispatch or pull_request, got '"
              + event
              + "'");
      return Gantry.BAD_INPUT;
    }
    boolean pullRequest = event.equals("pull_request");
    if (pullRequest && base == null) {
      err.println(
          "gantry run: --event pull_request needs --base BRANCH, the branch it merges into");
      return Gantry.BAD_INPUT;
    }
    if (!pullRequest && (base != null || headBranch != null)) {
      err.println("gantry run: --base and --head are for --event pull_request only");
      return Gantry.BAD_INPUT;
    }
    if (pullRequest && bind) {
      err.println(
          "gantry run: --bind runs in DIR itself, not in the pull request's test merge; drop it"
              + " with --event pull_request");
      return Gantry.BAD_INPUT;
    }
    if (!Files.isDirectory(dir)) {
      err.println("gantry run: " + dir + " is not a directory; pass the repository's folder");
      return Gantry.BAD_INPUT;
    }
    Path root = dir.toAbsolutePath().normalize();
    if (repo != null && !repo.matches("[^/\\s]+/[^/\\s]+")) {
      err.println("gantry run: --repo must be OWNER/NAME, got '" + repo + "'");
      return Gantry.BAD_INPUT;
    }
    Isolation where;
    try {
      where = IsolationOption.parse(isolation, isolationImage);
    } catch (IllegalArgumentException e) {
      err.println("gantry run: " + e.getMessage());
      return Gantry.BAD_INPUT;
    }
    ServerConfig.Actions actionSettings = ServerConfig.Actions.DEFAULTS;
    if (config != null) {
      try {
        actionSettings = new ConfigLoader(System::getenv).loadActions(config);
      } catch (ConfigException e) {
        err.println("gantry run: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
    }
    for (String source : actionSources) {
      if (!source.matches("(https?|file|ssh|git)://.+")) {
        err.println(
            "gantry run: --action-source must be a git base URL (https://…, file:///…), got '"
                + source
                + "'");
        return Gantry.BAD_INPUT;
      }
    }
    actionSettings = actionSettings.withSourcesFirst(actionSources);
    Path data = dataDir != null ? dataDir : Settings.defaultDataDir();
    RunWorkflows.Loaded loaded =
        RunWorkflows.load(
            root,
            workflowFile,
            ActionRuntime.catalog(data, actionSettings, BuiltInActions.registry()),
            err);
    if (loaded.fatal() || (strict && loaded.invalid() > 0)) {
      return Gantry.BAD_INPUT;
    }
    List<Workflow> workflows = loaded.workflows();

    Map<String, String> secretValues = new LinkedHashMap<>();
    if (secretsFile != null) {
      secretValues.putAll(DotEnv.read(secretsFile));
    }
    Map<String, String> given;
    Map<String, String> varValues;
    Map<String, String> envValues;
    try {
      secretValues.putAll(pairs(secrets, "--secret", true));
      given = pairs(inputs, "--input", false);
      varValues = pairs(vars, "--var", false);
      envValues = pairs(env, "-e", false);
    } catch (IllegalArgumentException e) {
      err.println("gantry run: " + e.getMessage());
      return Gantry.BAD_INPUT;
    }

    Optional<LocalRepository.Head> head = LocalRepository.head(root);
    String runRef =
        ref != null ? fullRef(ref) : head.map(LocalRepository.Head::ref).orElse("refs/heads/main");
    if (runRef == null) {
      runRef = "refs/heads/main";
    }
    String runSha = sha != null ? sha : head.map(LocalRepository.Head::sha).orElse("0".repeat(40));
    String repository =
        repo != null ? repo : root.getFileName() == null ? "local" : "local/" + root.getFileName();
    LocalPullRequest.Prepared pr = null;
    if (pullRequest) {
      try {
        pr = LocalPullRequest.prepare(root, repository, base, headBranch, data);
      } catch (LocalPullRequest.Refused e) {
        err.println("gantry run: " + e.getMessage());
        return Gantry.RUN_FAILED;
      }
      runRef = pr.ref();
      runSha = pr.sha();
    }

    List<Workflow> matching = new ArrayList<>();
    for (Workflow workflow : workflows) {
      boolean runs =
          pullRequest
              ? TriggerMatcher.runsOn(
                  workflow,
                  event,
                  "refs/heads/" + base.replaceFirst("^refs/heads/", ""),
                  pr.changedPaths())
              : TriggerMatcher.runsOn(workflow, event, runRef, null);
      if (runs) {
        matching.add(workflow);
      } else if (workflowFile != null) {
        err.println(
            "gantry run: "
                + workflow.name()
                + " does not run on "
                + event
                + (event.equals("push") ? " to " + runRef : "")
                + "; its on: lists "
                + String.join(", ", workflow.on().events()));
        return Gantry.BAD_INPUT;
      }
    }
    if (matching.isEmpty() && loaded.invalid() > 0) {
      err.println(
          "gantry run: no valid workflow runs on "
              + event
              + "; "
              + loaded.invalid()
              + " workflow file(s) are invalid (see above)");
      return Gantry.BAD_INPUT;
    }
    if (matching.isEmpty()) {
      out.println(
          "No workflow of "
              + root
              + " runs on "
              + event
              + (event.equals("push") ? " to " + runRef : "")
              + "; nothing to do.");
      return Gantry.OK;
    }
    for (String job : jobs) {
      if (matching.stream().noneMatch(w -> w.jobs().containsKey(job))) {
        err.println(
            "gantry run: no workflow has a job '"
                + job
                + "'; jobs: "
                + String.join(
                    ", ", matching.stream().flatMap(w -> w.jobs().keySet().stream()).toList()));
        return Gantry.BAD_INPUT;
      }
    }

    Map<Workflow, Map<String, String>> runInputs = new LinkedHashMap<>();
    for (Workflow workflow : matching) {
      if (event.equals("workflow_dispatch")) {
        try {
          runInputs.put(
              workflow, DispatchInputs.resolve(workflow.name(), workflow.on().dispatch(), given));
        } catch (DispatchInputs.InvalidInputsException e) {
          e.problems().forEach(p -> err.println("gantry run: " + p));
          return Gantry.BAD_INPUT;
        }
      } else {
        runInputs.put(workflow, Map.of());
      }
    }

    try (RunStore store = Stores.openEmbedded(data);
        // A pull request's test merge is checked out from the mirror it was made in.
        ActionRuntime runtime =
            ActionRuntime.start(
                data,
                actionSettings,
                pullRequest ? new Mirrors(data.resolve("git")) : null,
                "127.0.0.1");
        WorkflowExecutor executor =
            new WorkflowExecutor(
                runtime.registry(),
                store,
                ExecutorOptions.defaults(data),
                runtime.stepRunners(),
                runtime.jobServices());
        LocalRuns owned = LocalRuns.record(data)) {
      // What a killed gantry run left on this data directory: its step processes, its runs still
      // in progress (concluded, so that their folders and containers are removed next).
      LocalRuns.sweep(data, store);
      StaleRunFiles.sweep(data, store);
      executor.artifacts().sweep();
      List<WorkflowExecutor.Execution> executions = new ArrayList<>();
      Thread cancelOnInterrupt =
          new Thread(
              () -> {
                err.println(
                    "\ngantry: cancelling: running steps get SIGTERM, then SIGKILL; if: always() steps still run…");
                err.flush();
                executions.forEach(WorkflowExecutor.Execution::cancel);
                for (WorkflowExecutor.Execution e : executions) {
                  try {
                    e.await();
                  } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                  }
                }
              });
      Runtime.getRuntime().addShutdownHook(cancelOnInterrupt);
      for (Workflow workflow : matching) {
        Map<String, Object> payload =
            pullRequest
                ? pr.payload()
                : event.equals("push")
                    ? EventPayloads.push(repository, runRef, runSha, head.orElse(null))
                    : EventPayloads.dispatch(repository, runRef, runInputs.get(workflow));
        RunRequest request =
            new RunRequest(
                    workflow,
                    repository,
                    event,
                    payload,
                    runRef,
                    runSha,
                    runInputs.get(workflow),
                    secretValues,
                    varValues,
                    envValues,
                    new LinkedHashSet<>(
                        jobs.stream().filter(workflow.jobs()::containsKey).toList()),
                    root,
                    pullRequest ? pr.remote() : null,
                    bind ? root : null,
                    System.getProperty("user.name", "local"))
                .withIsolation(where);
        String tag = matching.size() > 1 ? workflow.name() : null;
        WorkflowExecutor.Execution execution =
            executor.start(request, new ConsolePrinter(out, tag));
        owned.started(execution.runId());
        executions.add(execution);
      }
      boolean allSucceeded = true;
      for (WorkflowExecutor.Execution execution : executions) {
        RunResult result = execution.await();
        allSucceeded &= result.conclusion() == Conclusion.SUCCESS;
        if (result.conclusion() == Conclusion.SKIPPED) {
          out.println(
              "Run #"
                  + result.runNumber()
                  + " of "
                  + result.workflowName()
                  + " ran no job: every job was skipped.");
        }
      }
      try {
        Runtime.getRuntime().removeShutdownHook(cancelOnInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C arrived as the runs ended; the hook finishes the job.
      }
      if (!allSucceeded) {
        return Gantry.RUN_FAILED;
      }
      return Gantry.OK;
    }
  }

  private static String fullRef(String ref) {
    if (ref.startsWith("refs/")) {
      return ref;
    }
    return "refs/heads/" + ref;
  }

  /** NAME=VALUE options; with {@code fromEnv}, NAME alone reads the environment variable. */
  private static Map<String, String> pairs(List<String> values, String option, boolean fromEnv) {
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String value : values) {
      int eq = value.indexOf('=');
      if (eq > 0) {
        pairs.put(value.substring(0, eq), value.substring(eq + 1));
      } else if (fromEnv && eq < 0 && !value.isEmpty()) {
        String fromEnvironment = System.getenv(value);
        if (fromEnvironment == null) {
          throw new IllegalArgumentException(
              option + " " + value + ": no environment variable " + value + " is set");
        }
        pairs.put(value, fromEnvironment);
      } else {
        // The value may be a secret: name the option, never echo the argument.
        throw new IllegalArgumentException(option + " expects NAME=VALUE (an argument has no '=')");
      }
    }
    return pairs;
  }
}
