package io.gantry.server;

import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.GitException;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.trigger.EventPayloads;
import io.gantry.runner.workflow.EventTrigger;
import io.gantry.runner.workflow.Workflow;
import io.gantry.server.RunQueue.Head;
import io.gantry.server.config.ServerConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs started by events that name no commit of their own, on the default branch's latest commit as
 * GitHub does: {@code repository_dispatch} through {@code POST
 * /api/repos/{owner}/{name}/dispatches}, and {@code workflow_run} when a run completes ("deploy
 * after CI passed" in two files).
 */
final class EventRuns {

  private static final Logger LOG = Logger.getLogger(EventRuns.class.getName());

  /** GitHub's limits: an event type of at most 100 characters, 10 top-level payload keys. */
  private static final int MAX_EVENT_TYPE = 100;

  private static final int MAX_PAYLOAD_KEYS = 10;
  private static final int MAX_BODY = 64 * 1024;

  /** As on GitHub, workflow_run chains at most three levels deep. */
  private static final int MAX_CHAIN = 3;

  private static final Pattern LEVEL = Pattern.compile("^workflow_run level (\\d+) ");

  private final ServerConfig config;
  private final RunStore store;
  private final RunQueue queue;
  private final Consumer<Context> authenticate;

  EventRuns(ServerConfig config, RunStore store, RunQueue queue, Consumer<Context> authenticate) {
    this.config = config;
    this.store = store;
    this.queue = queue;
    this.authenticate = authenticate;
  }

  void routes(Javalin app) {
    app.post("/api/repos/{owner}/{name}/dispatches", this::dispatches);
  }

  private void dispatches(Context ctx) throws GitException {
    authenticate.accept(ctx);
    if (ctx.bodyAsBytes().length > MAX_BODY) {
      throw new ApiException(413, "too_large", "a dispatch body is at most 64 KiB");
    }
    String name = ctx.pathParam("owner") + "/" + ctx.pathParam("name");
    ServerConfig.Repository repository =
        config
            .repository(name)
            .orElseThrow(() -> ApiException.notFound("no repository " + name + " is configured"));
    Map<String, Object> body = Api.body(ctx);
    Object type = body.get("event_type");
    if (!(type instanceof String eventType) || eventType.isBlank()) {
      throw ApiException.badRequest(
          "'event_type' is required: a string naming the event, e.g. {\"event_type\": \"deploy\"}");
    }
    if (eventType.length() > MAX_EVENT_TYPE) {
      throw ApiException.badRequest("'event_type' is at most 100 characters");
    }
    Object client = body.getOrDefault("client_payload", Map.of());
    if (!(client instanceof Map<?, ?> clientMap)) {
      throw ApiException.badRequest("'client_payload' must be a JSON object");
    }
    if (clientMap.size() > MAX_PAYLOAD_KEYS) {
      throw ApiException.badRequest("'client_payload' has at most 10 top-level properties");
    }
    Map<String, Object> clientPayload = new LinkedHashMap<>();
    clientMap.forEach((k, v) -> clientPayload.put(String.valueOf(k), v));
    Head head =
        queue
            .defaultHead(repository)
            .orElseThrow(
                () ->
                    ApiException.conflict(
                        "repository " + name + " has no default branch; push one first"));
    List<Long> runs = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, Workflow> w : queue.workflowsAt(repository, head.sha()).entrySet()) {
      EventTrigger trigger = w.getValue().on().on("repository_dispatch");
      if (trigger == null) {
        continue;
      }
      if (!trigger.hasType(eventType)) {
        notes.add(w.getKey() + ": on.repository_dispatch.types does not list '" + eventType + "'");
        continue;
      }
      runs.add(
          queue.event(
              repository,
              w.getValue(),
              "repository_dispatch",
              head,
              EventPayloads.repositoryDispatch(
                  repository.name(), eventType, clientPayload, head.branch(), "api"),
              "repository_dispatch '" + eventType + "' by api"));
    }
    if (runs.isEmpty() && notes.isEmpty()) {
      notes.add("no workflow on " + head.branch() + " runs on repository_dispatch");
    }
    ctx.status(202).json(Map.of("runs", runs, "notes", notes));
  }

  /**
   * A run completed: queues the default branch's workflows whose {@code on.workflow_run} follows
   * its workflow. Never throws: a failure here is logged, and the completed run stays as it was.
   */
  void completed(long runId) {
    try {
      java.util.Optional<RunHistory.RunDetails> details = store.details(runId);
      if (details.isPresent()) {
        chain(details.get());
      }
    } catch (GitException | RuntimeException e) {
      LOG.log(Level.WARNING, "workflow_run after run " + runId + " not started: " + e.getMessage());
    }
  }

  private void chain(RunHistory.RunDetails details) throws GitException {
    RunHistory.RunRecord run = details.run();
    ServerConfig.Repository repository = config.repository(run.repository()).orElse(null);
    if (repository == null || run.status() != RunStatus.COMPLETED) {
      return;
    }
    int level = 0;
    Matcher m = LEVEL.matcher(String.valueOf(details.trigger()));
    if ("workflow_run".equals(run.event()) && m.find()) {
      level = Integer.parseInt(m.group(1));
    }
    // Most runs start nothing: a fetch of the mirror per completed run cost each push about as
    // much CPU as its own run, and ran while the next push was being taken. The mirror as the
    // pushes' webhooks left it says whether any default-branch workflow follows this one; only
    // then is the latest default branch fetched and read, as GitHub reads it.
    Head known = queue.knownDefaultHead(repository).orElse(null);
    if (known == null || !followedBy(queue.workflowsAt(repository, known.sha()), run)) {
      return;
    }
    Head head = queue.defaultHead(repository).orElse(null);
    if (head == null) {
      return;
    }
    String branch = run.ref().replaceFirst("^refs/(heads|tags)/", "");
    for (Map.Entry<String, Workflow> w : queue.workflowsAt(repository, head.sha()).entrySet()) {
      EventTrigger trigger = w.getValue().on().on("workflow_run");
      if (trigger == null
          || trigger.workflows() == null
          || !trigger.workflows().contains(run.workflowName())
          || !trigger.hasType("completed")
          || !trigger.matchesBranch(branch)) {
        continue;
      }
      if (level >= MAX_CHAIN) {
        LOG.warning(
            w.getKey()
                + " not started by run "
                + run.id()
                + ": workflow_run chains at most "
                + MAX_CHAIN
                + " levels, as on GitHub");
        continue;
      }
      queue.event(
          repository,
          w.getValue(),
          "workflow_run",
          head,
          EventPayloads.workflowRun(repository.name(), workflowRun(details), head.branch()),
          "workflow_run level "
              + (level + 1)
              + " after run "
              + run.id()
              + " of "
              + run.workflowName()
              + " ("
              + run.conclusion()
              + ")");
    }
  }

  /** Whether one of {@code workflows} has an {@code on.workflow_run} naming the run's workflow. */
  private static boolean followedBy(Map<String, Workflow> workflows, RunHistory.RunRecord run) {
    for (Workflow w : workflows.values()) {
      EventTrigger trigger = w.on().on("workflow_run");
      if (trigger != null
          && trigger.workflows() != null
          && trigger.workflows().contains(run.workflowName())) {
        return true;
      }
    }
    return false;
  }

  /** The completed run in GitHub's {@code workflow_run} fields. */
  private Map<String, Object> workflowRun(RunHistory.RunDetails details) {
    RunHistory.RunRecord run = details.run();
    Map<String, Object> wr = new LinkedHashMap<>();
    wr.put("id", run.id());
    wr.put("name", run.workflowName());
    wr.put("path", run.workflowFile());
    wr.put("head_branch", run.ref().replaceFirst("^refs/(heads|tags)/", ""));
    wr.put("head_sha", run.sha());
    wr.put("event", run.event());
    wr.put("status", "completed");
    wr.put("conclusion", Api.label(run.conclusion()));
    wr.put("run_number", run.runNumber());
    wr.put("run_attempt", run.attempt());
    wr.put("html_url", config.server().publicUrl().replaceAll("/+$", "") + "/api/runs/" + run.id());
    try {
      Object payload = Expressions.fromJson(details.eventPayload());
      if (payload instanceof Map<?, ?> p && p.get("repository") != null) {
        wr.put("repository", p.get("repository"));
      }
    } catch (ExpressionException e) {
      // The payload is only decoration here.
    }
    return wr;
  }
}
