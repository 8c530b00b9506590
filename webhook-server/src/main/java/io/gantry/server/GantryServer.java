package io.gantry.server;

import io.gantry.localecs.LocalEcs;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.ReusedJob;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.trigger.PullRequestPayload;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import io.gantry.server.actions.ActionRuntime;
import io.gantry.server.config.ServerConfig;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code gantry serve}: webhooks in, runs queued durably and executed by workers, statuses back on
 * the commit, and the REST API. The module's entry point: {@link #start} and {@link #close}.
 */
public final class GantryServer implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(GantryServer.class.getName());

  private final ServerConfig config;
  private final RunStore store;
  private final WorkflowExecutor executor;
  private final Workers workers;
  private final StatusOutbox statuses;
  private final Javalin app;
  private final LocalEcs localEcs;
  private final Map<String, String> runEnv;
  private final ServiceApi services;
  private final Schedules schedules;
  private final io.gantry.server.web.WebUi web;
  private final ArtifactApi artifacts;
  private final LiveLogs live;
  private final ActionRuntime actionRuntime;
  private final io.gantry.server.agent.AgentDispatcher agentJobs;

  /** Runs orchestrated at once by a server that runs no job itself (server.workers: 0). */
  private static final int ORCHESTRATORS = 8;

  private GantryServer(
      ServerConfig config,
      Duration lease,
      StatusOutbox.Poster poster,
      java.time.Clock clock,
      java.util.function.Consumer<String> notices) {
    this.config = config;
    Path data = config.server().dataDir();
    // A PostgreSQL server not up yet is waited for, saying so in one line per attempt.
    this.store = Stores.open(data, config.server().database(), notices);
    this.localEcs = config.localEcs() == null ? null : startLocalEcs(config.localEcs());
    this.runEnv = localEcs == null ? Map.of() : clientEnv(localEcs, config.localEcs().region());
    io.gantry.runner.execution.StaleRunFiles.sweep(data, store);
    // Step processes of a killed server (their runs are concluded as interrupted by the workers).
    io.gantry.runner.execution.JobMarkers.killOrphans(data);
    Mirrors mirrors = new Mirrors(data.resolve("git"));
    try {
      this.actionRuntime = ActionRuntime.start(data, config.actions(), mirrors, "127.0.0.1");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the actions' cache service: " + e, e);
    }
    ActionRegistry actions = actionRuntime.registry();
    this.executor =
        new WorkflowExecutor(
            actions,
            store,
            ExecutorOptions.defaults(data)
                .withMaxParallelJobs(Math.max(2, config.server().workers() * 2))
                .withStepLogBytes(config.limits().stepLogBytes())
                .withPullTimeout(
                    java.time.Duration.ofSeconds(config.limits().pullTimeoutSeconds())),
            actionRuntime.stepRunners(),
            actionRuntime.jobServices());
    executor.artifacts().linkTo(config.server().publicUrl());
    this.artifacts = new ArtifactApi(executor.artifacts(), store);
    WorkflowParser parser =
        new WorkflowParser(
            actionRuntime.catalog(),
            new io.gantry.runner.workflow.WorkflowLimits(
                config.limits().matrixJobs(), config.limits().workflowFileBytes()));
    LiveLogs live = new LiveLogs(executor.logs());
    // Servers sharing a PostgreSQL store pass each other's live lines (LISTEN/NOTIFY).
    store.broadcasts().ifPresent(live::relayThrough);
    this.live = live;
    this.statuses = new StatusOutbox(config, store, poster, this::statusSha);
    RunEvents events = new RunEvents(live, statuses);
    // Jobs on agents (issue 16): every job when the server runs none itself, else the jobs whose
    // runs-on names self-hosted.
    int localWorkers = config.server().workers();
    this.agentJobs =
        new io.gantry.server.agent.AgentDispatcher(
            io.gantry.runner.store.JobQueue.in(store), executor.logs(), localWorkers == 0, lease);
    agentJobs.retryInterrupted(config.server().retryInterrupted());
    executor.dispatchJobsTo(agentJobs);
    // An agent's events or result posted to another server sharing the store wake this one.
    store.broadcasts().ifPresent(agentJobs::relayThrough);
    this.workers =
        new Workers(
            store,
            executor,
            executor.logs(),
            events,
            details -> request(details, parser),
            localWorkers == 0 ? ORCHESTRATORS : localWorkers,
            lease);
    RunQueue queue =
        new RunQueue(config, store, mirrors, parser, executor.logs(), events, workers::wake);
    io.gantry.server.web.Access access = new io.gantry.server.web.Access(config);
    Api api = new Api(config, store, executor.logs(), live, events, queue, workers, access);
    Map<String, String> awsEnv = new java.util.HashMap<>(System.getenv());
    awsEnv.putAll(runEnv);
    this.services = new ServiceApi(store.deployHistory(), awsEnv, api::authenticate);
    this.web =
        new io.gantry.server.web.WebUi(
            config, access, store, executor.logs(), parser, awsEnv, executor.artifacts());
    Webhooks webhooks = new Webhooks(config, store, queue, new PullRequestRuns(queue, mirrors));
    this.schedules =
        new Schedules(config, io.gantry.runner.store.ScheduleTicks.in(store), queue, clock);
    this.app =
        Javalin.create(
            c -> {
              c.showJavalinBanner = false;
              HttpLimits.apply(c, config.limits());
            });
    // Every read of the API needs a reader, unless server.public-read is on (mutating calls check
    // for an operator themselves).
    app.before(
        "/api/*",
        ctx -> {
          String method = ctx.method().name();
          // Agents' calls carry an agent's token, which their routes check themselves.
          if ((method.equals("GET") || method.equals("HEAD"))
              && !io.gantry.server.agent.AgentTransfers.isAgentPath(ctx.path())) {
            api.authorizeRead(ctx);
          }
        });
    api.routes(app);
    artifacts.routes(app);
    new CacheApi(actionRuntime.caches(), api::authenticate).routes(app);
    services.routes(app);
    io.gantry.runner.store.Agents agents = io.gantry.runner.store.Agents.in(store);
    new AgentsApi(agents, api::authenticate, clock).routes(app);
    // Artifacts and caches of the agents' jobs go to this server's stores (issue 16, item 4); the
    // cache protocol is served on this port too, for the agents' jobs to reach.
    io.gantry.server.agent.AgentTransfers transfers =
        new io.gantry.server.agent.AgentTransfers(
            agents,
            io.gantry.runner.store.JobQueue.in(store),
            store,
            executor.artifacts(),
            actionRuntime.caches());
    transfers.routes(app);
    io.gantry.server.agent.AgentChannel channel =
        new io.gantry.server.agent.AgentChannel(
            agents, store, agentJobs, details -> request(details, parser), transfers);
    channel.routes(app);
    new io.gantry.server.agent.AgentDeploys(channel, store.deployHistory()).routes(app);
    if (actionRuntime.caches() != null) {
      io.gantry.server.cache.CacheService.mount(actionRuntime.caches(), app);
    }
    api.jobWaits(run -> agentJobs.waitingReasons(run, channel));
    web.jobWaits(run -> agentJobs.waitingReasons(run, channel));
    webhooks.routes(app);
    EventRuns eventRuns = new EventRuns(config, store, queue, api::authenticate);
    eventRuns.routes(app);
    workers.onCompleted(eventRuns::completed);
    app.get("/api/schedules", ctx -> ctx.json(Map.of("schedules", schedules.next())));
    web.routes(app);
    app.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
    app.exception(
        ApiException.class,
        (e, ctx) -> {
          if (e.status == 413) {
            // The rest of the body is never read: the connection ends with this answer.
            ctx.header("Connection", "close");
          }
          ctx.status(e.status).json(Map.of("error", e.error, "message", e.getMessage()));
        });
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.log(Level.SEVERE, "internal error on " + ctx.method() + " " + ctx.path(), e);
          ctx.status(500)
              .json(Map.of("error", "internal", "message", "internal error; see the server log"));
        });
    app.error(
        404,
        ctx -> {
          // Javalin's own 404 is plain text "Not Found"; the API's and the hooks' are JSON.
          String type = ctx.res().getContentType();
          boolean json = type != null && type.startsWith("application/json");
          boolean ours = ctx.path().startsWith("/api/") || ctx.path().startsWith("/hooks/");
          if (ctx.result() == null || ctx.result().isEmpty() || (ours && !json)) {
            ctx.json(
                Map.of(
                    "error",
                    "not_found",
                    "message",
                    "no such endpoint: " + ctx.method() + " " + ctx.path()));
          }
        });
    app.error(
        413,
        ctx -> {
          // A route's own 413 (an agent's artifact over the limit) keeps its message.
          if (ctx.result() == null || ctx.result().isEmpty()) {
            ctx.json(
                Map.of(
                    "error",
                    "too_large",
                    "message",
                    HttpLimits.tooLargeMessage(config.limits().webhookBodyBytes())));
          }
        });
  }

  /** Opens the store and starts workers, the status outbox and the HTTP server. */
  public static GantryServer start(ServerConfig config) {
    return start(config, LOG::warning);
  }

  /**
   * As {@link #start(ServerConfig)}, telling {@code notices} in one line each what the user should
   * know while it starts (a PostgreSQL store that cannot be reached yet and is waited for).
   */
  public static GantryServer start(
      ServerConfig config, java.util.function.Consumer<String> notices) {
    return start(
        config,
        Duration.ofSeconds(config.server().leaseSeconds()),
        StatusPosting.forges(),
        java.time.Clock.systemUTC(),
        notices);
  }

  static GantryServer start(ServerConfig config, Duration lease, StatusOutbox.Poster poster) {
    return start(config, lease, poster, java.time.Clock.systemUTC());
  }

  /** With the clock schedules fire by (a test clock in tests). */
  static GantryServer start(
      ServerConfig config, Duration lease, StatusOutbox.Poster poster, java.time.Clock clock) {
    return start(config, lease, poster, clock, LOG::warning);
  }

  private static GantryServer start(
      ServerConfig config,
      Duration lease,
      StatusOutbox.Poster poster,
      java.time.Clock clock,
      java.util.function.Consumer<String> notices) {
    // port 0 and no public-url: the links in statuses and answers must name the port picked, so
    // it is picked before anything that makes them is built.
    ServerConfig effective =
        config.server().publicUrl() != null
            ? config
            : new ServerConfig(
                config.server().onPort(freePort(config.server().bind())),
                config.repositories(),
                config.localEcs(),
                config.access(),
                config.limits(),
                config.actions());
    GantryServer server = new GantryServer(effective, lease, poster, clock, notices);
    server.statuses.start();
    server.agentJobs.start();
    server.workers.start();
    server.schedules.start();
    server.artifacts.start();
    server.app.start(effective.server().bind(), effective.server().port());
    return server;
  }

  private static int freePort(String bind) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(bind))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot pick a free port on " + bind + ": " + e.getMessage(), e);
    }
  }

  /** The embedded local-ecs, when the configuration asks for it. */
  public java.util.Optional<LocalEcs> localEcs() {
    return java.util.Optional.ofNullable(localEcs);
  }

  private static LocalEcs startLocalEcs(ServerConfig.LocalEcsSettings settings) {
    return LocalEcs.start(
        LocalEcs.Options.defaults(settings.dataDir())
            .withPort(settings.port())
            .withRegion(settings.region())
            .withStopTasksOnClose(settings.stopTasksOnClose()));
  }

  /** What points a run's AWS clients at the embedded local-ecs, as `gantry local-ecs` prints. */
  private static Map<String, String> clientEnv(LocalEcs ecs, String region) {
    String endpoint = ecs.endpoint().toString();
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("AWS_ENDPOINT_URL_ECS", endpoint);
    env.put("AWS_ENDPOINT_URL_ECR", endpoint);
    env.put("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", endpoint);
    env.put("AWS_REGION", region);
    env.put("AWS_DEFAULT_REGION", region);
    env.put("AWS_ACCESS_KEY_ID", "local-ecs");
    env.put("AWS_SECRET_ACCESS_KEY", "local-ecs");
    return Map.copyOf(env);
  }

  /** The port the server listens on (the chosen one when the configuration said 0). */
  public int port() {
    return app.port();
  }

  /** How forges and users reach this server: {@code server.public-url}, else from the port. */
  public String publicUrl() {
    return config.server().publicUrl();
  }

  /** The schedule firing, for tests that move a test clock and fire by hand. */
  Schedules schedules() {
    return schedules;
  }

  /** Rebuilds what a worker needs from a stored run: the snapshotted workflow, payload, config. */
  private RunRequest request(RunHistory.RunDetails details, WorkflowParser parser) {
    RunHistory.RunRecord run = details.run();
    ServerConfig.Repository repository =
        config
            .repository(run.repository())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "repository " + run.repository() + " is no longer configured"));
    Workflow workflow;
    try {
      workflow =
          parser.parse(details.workflowSource(), Path.of(run.workflowFile()), run.workflowFile());
    } catch (WorkflowException e) {
      throw new IllegalStateException("the stored workflow no longer validates: " + e.getMessage());
    }
    Map<String, Object> payload;
    try {
      Object parsed = Expressions.fromJson(details.eventPayload());
      payload = castMap(parsed);
    } catch (ExpressionException e) {
      payload = Map.of();
    }
    Map<String, String> secrets = new LinkedHashMap<>();
    // As on GitHub: a pull request from a fork (or from a head repository no longer known) runs
    // its own code, so it gets no secrets at all, GITHUB_TOKEN included; pull_request_target runs
    // the base's workflow and gets them.
    boolean untrusted = "pull_request".equals(run.event()) && PullRequestPayload.fromFork(payload);
    if (!untrusted) {
      repository.secrets().forEach((k, v) -> secrets.put(k, v.value()));
    }
    ServerConfig.Credentials c = repository.credentials();
    RunRequest request =
        new RunRequest(
            workflow,
            repository.name(),
            run.event(),
            payload,
            run.ref(),
            run.sha(),
            details.inputs(),
            secrets,
            repository.vars(),
            runEnv,
            Set.of(),
            null,
            new io.gantry.runner.git.RemoteRepository(
                repository.name(),
                repository.cloneUrl(),
                c == null ? null : c.username(),
                c == null || c.password() == null ? null : c.password().value(),
                c == null ? null : c.sshKey()),
            null,
            details.trigger(),
            Map.of(),
            repository.isolation());
    if (details.failedOnly() && details.rerunOf() != null) {
      RunHistory.RunRecord previous =
          store
              .findRun(details.rerunOf())
              .orElseThrow(
                  () ->
                      new IllegalStateException("run " + details.rerunOf() + " it reruns is gone"));
      request =
          request.withReused(
              ReusedJob.plan(workflow, store.jobsOf(previous.id()), previous.attempt()));
    }
    return request;
  }

  /** The head commits of the pull request runs reported last, by run id. */
  private final Map<Long, String> headShas =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
              return size() > 256;
            }
          });

  /**
   * The commit a run's statuses go on: its own, but for a pull request the head's commit (the run
   * is on a test merge no forge shows), as GitHub reports them.
   */
  private String statusSha(RunHistory.RunRecord run) {
    if (!PullRequestPayload.isPullRequest(run.event())) {
      return run.sha();
    }
    return headShas.computeIfAbsent(
        run.id(),
        id -> {
          String head =
              store.details(id).map(d -> PullRequestPayload.headSha(payloadOf(d))).orElse("");
          return head.isEmpty() ? run.sha() : head;
        });
  }

  private static Map<String, Object> payloadOf(RunHistory.RunDetails details) {
    try {
      return castMap(Expressions.fromJson(details.eventPayload()));
    } catch (ExpressionException e) {
      return Map.of();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object parsed) {
    return parsed instanceof Map<?, ?> ? (Map<String, Object>) parsed : Map.of();
  }

  @Override
  public void close() {
    schedules.close();
    artifacts.close();
    app.stop();
    web.close();
    services.close();
    workers.close();
    agentJobs.close();
    statuses.close();
    executor.close();
    live.stopRelay();
    live.close();
    actionRuntime.close();
    store.close();
    if (localEcs != null) {
      localEcs.close();
    }
  }
}
