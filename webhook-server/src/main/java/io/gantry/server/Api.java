package io.gantry.server;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.CommitStatuses;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.server.config.ServerConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The REST API: runs, their logs (whole and live over Server-Sent Events), manual dispatch, rerun
 * and cancel ({@link ServiceApi} adds the services' deployments and rollback). Every POST needs
 * {@code Authorization: Bearer <api-token>}; errors are JSON {@code {error, message}}, never a
 * stack trace.
 */
final class Api {

  private final ServerConfig config;
  private final RunStore store;
  private final LogStore logs;
  private final LiveLogs live;
  private final RunEvents events;
  private final RunQueue queue;
  private final Workers workers;
  private final io.gantry.server.web.Access access;
  private volatile java.util.function.LongFunction<Map<String, String>> jobWaits = run -> Map.of();

  Api(
      ServerConfig config,
      RunStore store,
      LogStore logs,
      LiveLogs live,
      RunEvents events,
      RunQueue queue,
      Workers workers,
      io.gantry.server.web.Access access) {
    this.access = access;
    this.config = config;
    this.store = store;
    this.logs = logs;
    this.live = live;
    this.events = events;
    this.queue = queue;
    this.workers = workers;
  }

  /** Why a run's queued jobs wait, by job key (for an agent with their labels). */
  void jobWaits(java.util.function.LongFunction<Map<String, String>> waits) {
    this.jobWaits = waits;
  }

  void routes(Javalin app) {
    app.get("/api/runs", this::listRuns);
    app.get("/api/runs/{id}", this::getRun);
    app.get("/api/runs/{id}/logs", this::getLogs);
    io.javalin.http.sse.SseHandler stream =
        new io.javalin.http.sse.SseHandler(new LogStream(store, logs, live)::handle);
    app.get(
        "/api/runs/{id}/logs/stream",
        ctx -> {
          LogStream.negotiate(ctx);
          stream.handle(ctx);
        });
    app.post("/api/runs", this::dispatch);
    app.post("/api/runs/{id}/rerun", this::rerun);
    app.post("/api/runs/{id}/cancel", this::cancel);
  }

  /**
   * A mutating call's caller must be an operator: the api-token or an operator's user token as the
   * bearer, or an operator's web session with its CSRF token (see {@link
   * io.gantry.server.web.Access}).
   */
  void authenticate(Context ctx) {
    try {
      access.requireOperator(ctx);
    } catch (io.gantry.server.web.Access.Denied e) {
      throw new ApiException(e.status(), e.error(), e.getMessage());
    }
  }

  /** A read of the API: see {@link io.gantry.server.web.Access#requireReader}. */
  void authorizeRead(Context ctx) {
    try {
      access.requireReader(ctx);
    } catch (io.gantry.server.web.Access.Denied e) {
      throw new ApiException(e.status(), e.error(), e.getMessage());
    }
  }

  private void listRuns(Context ctx) {
    int limit = intParam(ctx, "limit", 20);
    List<Map<String, Object>> runs = new ArrayList<>();
    for (RunHistory.RunRecord run :
        store.listRuns(
            new RunHistory.RunFilter(
                ctx.queryParam("repo"),
                ctx.queryParam("branch"),
                ctx.queryParam("status"),
                limit))) {
      runs.add(summary(run));
    }
    ctx.json(Map.of("runs", runs));
  }

  private void getRun(Context ctx) {
    long id = id(ctx);
    RunHistory.RunDetails details =
        store.details(id).orElseThrow(() -> ApiException.notFound("no run " + id));
    Map<String, Object> run = summary(details.run());
    run.put("trigger", details.trigger());
    run.put("inputs", details.inputs());
    run.put("concurrencyGroup", details.concurrencyGroup());
    run.put("rerunOf", details.rerunOf());
    run.put("interrupted", details.interrupted());
    run.put("cancelRequested", details.cancelRequested());
    if (details.run().status() == RunStatus.QUEUED) {
      run.put("waiting", waitingReason(details));
    }
    List<Map<String, Object>> jobs = new ArrayList<>();
    Map<String, String> waits = jobWaits.apply(id);
    for (RunHistory.JobRecord job : store.jobsOf(id)) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("key", job.jobKey());
      j.put("name", job.name());
      j.put("status", job.status().name());
      if (waits.containsKey(job.jobKey())) {
        j.put("waiting", waits.get(job.jobKey()));
      }
      j.put("conclusion", label(job.conclusion()));
      j.put("startedAt", text(job.startedAt()));
      j.put("finishedAt", text(job.finishedAt()));
      j.put("outputs", job.outputs());
      List<Map<String, Object>> steps = new ArrayList<>();
      for (RunHistory.StepRecord step : store.stepsOf(job.id())) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("number", step.number());
        s.put("name", step.name());
        s.put("status", step.status().name());
        s.put("outcome", label(step.outcome()));
        s.put("conclusion", label(step.conclusion()));
        s.put("startedAt", text(step.startedAt()));
        s.put("finishedAt", text(step.finishedAt()));
        steps.add(s);
      }
      j.put("steps", steps);
      jobs.add(j);
    }
    run.put("jobs", jobs);
    List<Map<String, Object>> statuses = new ArrayList<>();
    for (CommitStatuses.StatusRecord status : store.statusesOf(id)) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("state", status.state().label());
      s.put("context", status.context());
      s.put("description", status.description());
      s.put("attempts", status.attempts());
      s.put("delivered", status.deliveredAt() != null);
      s.put("lastError", status.lastError());
      statuses.add(s);
    }
    run.put("statuses", statuses);
    ctx.json(run);
  }

  /** Why a queued run has not started: its concurrency group, or no free worker. */
  private String waitingReason(RunHistory.RunDetails details) {
    if (details.waitingReason() != null) {
      return details.waitingReason();
    }
    String group = details.concurrencyGroup();
    if (group != null) {
      for (RunHistory.RunRecord other :
          store.listRuns(new RunHistory.RunFilter(details.run().repository(), null, null, 200))) {
        if (other.id() != details.run().id()
            && other.status() != RunStatus.COMPLETED
            && other.id() < details.run().id()
            && store
                .details(other.id())
                .map(d -> group.equals(d.concurrencyGroup()))
                .orElse(false)) {
          return "waiting for run " + other.id() + " of concurrency group '" + group + "'";
        }
      }
    }
    return "waiting for a free worker (" + workers.busy() + " of " + workers.count() + " busy)";
  }

  private void getLogs(Context ctx) {
    long id = id(ctx);
    if (store.findRun(id).isEmpty()) {
      throw ApiException.notFound("no run " + id);
    }
    ctx.contentType("text/plain; charset=utf-8");
    // Streamed from the files, a buffer at a time: a log may be far larger than the heap.
    ctx.result(new LogFilesStream(logs.runFiles(id)));
  }

  private void dispatch(Context ctx) throws Exception {
    authenticate(ctx);
    Map<String, Object> body = body(ctx);
    String repo = required(body, "repo");
    String ref = required(body, "ref");
    String workflow = required(body, "workflow");
    Map<String, String> inputs = new LinkedHashMap<>();
    Object given = body.get("inputs");
    if (given instanceof Map<?, ?> m) {
      m.forEach((k, v) -> inputs.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    } else if (given != null) {
      throw ApiException.badRequest("'inputs' must be an object of name: value");
    }
    ServerConfig.Repository repository =
        config
            .repository(repo)
            .orElseThrow(() -> ApiException.notFound("no repository " + repo + " is configured"));
    String fullRef = ref.startsWith("refs/") ? ref : "refs/heads/" + ref;
    String refProblem = io.gantry.server.forge.GitNames.refProblem(fullRef);
    if (refProblem != null) {
      throw ApiException.badRequest(
          "'ref' is not a valid git ref ("
              + refProblem
              + "): "
              + io.gantry.server.forge.GitNames.shown(ref));
    }
    for (Map.Entry<String, String> input : inputs.entrySet()) {
      if (input.getKey().indexOf('\0') >= 0 || input.getValue().indexOf('\0') >= 0) {
        throw ApiException.badRequest(
            "input "
                + io.gantry.server.forge.GitNames.shown(input.getKey())
                + " holds a NUL byte, which no step can be given; send text only");
      }
    }
    String sha = queue.resolve(repository, fullRef);
    long id;
    try {
      id =
          queue.dispatch(
              repository,
              fullRef,
              workflow,
              inputs,
              sha,
              io.gantry.server.web.Access.actor(ctx, "api"));
    } catch (io.gantry.runner.trigger.DispatchInputs.InvalidInputsException e) {
      throw ApiException.badRequest(String.join("; ", e.problems()));
    } catch (io.gantry.runner.workflow.WorkflowException e) {
      throw new ApiException(422, "invalid_workflow", e.problems().get(0).toString());
    }
    ctx.status(201).json(Map.of("id", id, "url", runUrl(id)));
  }

  private void rerun(Context ctx) throws Exception {
    authenticate(ctx);
    long id = id(ctx);
    RunHistory.RunRecord original =
        store.findRun(id).orElseThrow(() -> ApiException.notFound("no run " + id));
    if (original.status() != RunStatus.COMPLETED) {
      throw ApiException.conflict(
          "run " + id + " is still " + original.status() + "; cancel it or wait");
    }
    Map<String, Object> body = ctx.body().isBlank() ? Map.of() : body(ctx);
    Object failedOnly = body.getOrDefault("failedOnly", false);
    if (!(failedOnly instanceof Boolean)) {
      throw ApiException.badRequest("failedOnly must be true or false, not " + failedOnly);
    }
    if ((Boolean) failedOnly
        && store.jobsOf(id).stream().allMatch(job -> job.conclusion() == Result.SUCCESS)) {
      throw ApiException.conflict(
          "run " + id + " has no failed jobs to rerun; rerun the whole run without failedOnly");
    }
    RunHistory.RunRecord rerun =
        queue.rerun(id, io.gantry.server.web.Access.actor(ctx, "api"), (Boolean) failedOnly);
    ctx.status(201)
        .json(Map.of("id", rerun.id(), "attempt", rerun.attempt(), "url", runUrl(rerun.id())));
  }

  private void cancel(Context ctx) {
    authenticate(ctx);
    long id = id(ctx);
    if (store.findRun(id).isEmpty()) {
      throw ApiException.notFound("no run " + id);
    }
    RunHistory.RunRecord after = store.requestCancel(id, Instant.now());
    if (after.status() == RunStatus.COMPLETED) {
      // Cancelled while queued (or over already): it ends here, without a commit status.
      events.ended(
          after,
          io.gantry.runner.execution.Conclusion.valueOf(after.conclusion().name()),
          null,
          null);
    }
    ctx.status(202)
        .json(
            Map.of(
                "id",
                id,
                "status",
                after.status().name(),
                "conclusion",
                String.valueOf(label(after.conclusion()))));
  }

  private Map<String, Object> summary(RunHistory.RunRecord run) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", run.id());
    r.put("runNumber", run.runNumber());
    r.put("attempt", run.attempt());
    r.put("repository", run.repository());
    r.put("workflow", run.workflowName());
    r.put("workflowFile", run.workflowFile());
    r.put("event", run.event());
    r.put("ref", run.ref());
    r.put("sha", run.sha());
    r.put("status", run.status().name());
    r.put("conclusion", label(run.conclusion()));
    r.put("createdAt", text(run.createdAt()));
    r.put("startedAt", text(run.startedAt()));
    r.put("finishedAt", text(run.finishedAt()));
    r.put("url", runUrl(run.id()));
    return r;
  }

  /** A conclusion or outcome as the API shows it (lower case), or null before the end. */
  static String label(Result result) {
    return result == null ? null : result.label();
  }

  private String runUrl(long id) {
    return config.server().publicUrl().replaceAll("/+$", "") + "/api/runs/" + id;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> body(Context ctx) {
    try {
      Object parsed = io.gantry.runner.expression.Expressions.fromJson(ctx.body());
      if (!(parsed instanceof Map<?, ?>)) {
        throw ApiException.badRequest("the body must be a JSON object");
      }
      return (Map<String, Object>) parsed;
    } catch (io.gantry.runner.expression.ExpressionException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage());
    }
  }

  private static String required(Map<String, Object> body, String key) {
    Object value = body.get(key);
    if (!(value instanceof String s) || s.isBlank()) {
      throw ApiException.badRequest("'" + key + "' is required (a string)");
    }
    return s;
  }

  private static long id(Context ctx) {
    try {
      return Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("run id must be a number, got '" + ctx.pathParam("id") + "'");
    }
  }

  private static int intParam(Context ctx, String name, int fallback) {
    String value = ctx.queryParam(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("'" + name + "' must be a whole number, got '" + value + "'");
    }
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
