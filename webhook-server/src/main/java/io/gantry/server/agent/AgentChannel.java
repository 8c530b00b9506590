package io.gantry.server.agent;

import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.Agents;
import io.gantry.runner.store.JobQueue;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.server.web.Access;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The endpoints agents call (see {@link AgentProtocol}), each authenticated by the agent's own
 * token: a revoked or unknown token gets 401. A claim long-polls: it answers as soon as a job the
 * agent may take is queued, or with no job after the wait the agent asked for (at most 30 s).
 */
public final class AgentChannel {

  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(AgentChannel.class.getName());
  private static final long MAX_WAIT_MILLIS = 30_000;
  private static final long SEEN_WINDOW_MILLIS = 60_000;
  private static final int RUNS_KEPT = 32;

  /**
   * How stale an agent's stored last-seen time may get while it keeps claiming: a busy agent claims
   * many times a second, and each write is a commit.
   */
  private static final long SEEN_WRITE_MILLIS = 5_000;

  private final Agents agents;
  private final RunStore store;
  private final AgentDispatcher dispatcher;
  private final Function<RunHistory.RunDetails, RunRequest> requests;
  private final AgentCacheTokens cacheTokens;

  /** The labels each agent carried on its last claim, and when: who could take a waiting job. */
  private final Map<Long, Carried> carried = new ConcurrentHashMap<>();

  private record Carried(Set<String> labels, long at) {}

  /** The part of a ticket every job of one run shares (see {@link #runTicket}). */
  private record RunTicket(
      long runNumber,
      int attempt,
      Map<String, Object> request,
      RunRequest runRequest,
      String defaultBranch) {}

  /** The tickets' shared parts of the runs handed out lately; guarded by itself. */
  private final Map<Long, RunTicket> runs =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, RunTicket> eldest) {
          return size() > RUNS_KEPT;
        }
      };

  /** When each agent's last-seen time and version were last written, and the version. */
  private final Map<Long, Seen> seenWritten = new ConcurrentHashMap<>();

  private record Seen(String version, long at) {}

  /**
   * @param transfers where the cache tokens that go with the tickets come from
   */
  public AgentChannel(
      Agents agents,
      RunStore store,
      AgentDispatcher dispatcher,
      Function<RunHistory.RunDetails, RunRequest> requests,
      AgentTransfers transfers) {
    this.agents = agents;
    this.store = store;
    this.dispatcher = dispatcher;
    this.requests = requests;
    this.cacheTokens = transfers.cacheTokens();
  }

  public void routes(Javalin app) {
    app.post("/api/agent/claim", this::claim);
    app.post("/api/agent/jobs/{id}/events", this::events);
    app.post("/api/agent/jobs/{id}/result", this::result);
  }

  /** Whether an agent seen lately carries every one of {@code labels}. */
  boolean someAgentCarries(List<String> labels) {
    long now = System.currentTimeMillis();
    for (Carried c : carried.values()) {
      if (now - c.at() < SEEN_WINDOW_MILLIS && c.labels().containsAll(labels)) {
        return true;
      }
    }
    return false;
  }

  Optional<Agents.AgentRecord> agent(Context ctx) {
    String header = ctx.header("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Optional<Agents.AgentRecord> found =
          agents.byTokenHash(Access.sha256(header.substring(7).strip()));
      if (found.isPresent() && !found.get().revoked()) {
        return found;
      }
    }
    ctx.status(401)
        .json(
            Map.of(
                "error",
                "unauthorized",
                "message",
                "this agent's token is unknown or was revoked; register the agent again with"
                    + " 'gantry agents add' and start it with the new token"));
    return Optional.empty();
  }

  private void claim(Context ctx) {
    Agents.AgentRecord agent = agent(ctx).orElse(null);
    if (agent == null) {
      return;
    }
    Map<?, ?> body = body(ctx);
    if (body == null) {
      return;
    }
    Set<String> labels = new HashSet<>();
    String refused = labelsCarried(agent, body, labels);
    if (refused != null) {
      ctx.status(403).json(Map.of("error", "forbidden", "message", refused));
      return;
    }
    long now = System.currentTimeMillis();
    String version = String.valueOf(body.get("version"));
    Seen written = seenWritten.get(agent.id());
    if (written == null
        || !written.version().equals(version)
        || now - written.at() >= SEEN_WRITE_MILLIS) {
      agents.seen(agent.id(), version, Instant.ofEpochMilli(now));
      seenWritten.put(agent.id(), new Seen(version, now));
    }
    carried.put(agent.id(), new Carried(Set.copyOf(labels), now));
    long wait =
        Math.min(MAX_WAIT_MILLIS, (long) (AgentProtocol.number(body.get("waitSeconds")) * 1000));
    long until = System.currentTimeMillis() + wait;
    List<String> carriedLabels = List.copyOf(labels);
    while (true) {
      Optional<JobQueue.QueuedJob> job =
          dispatcher.queue().claim(agent.id(), carriedLabels, Instant.now(), dispatcher.lease());
      if (job.isPresent()) {
        ctx.json(Map.of("job", ticket(job.get(), agent.id())));
        return;
      }
      long left = until - System.currentTimeMillis();
      if (left <= 0) {
        Map<String, Object> none = new LinkedHashMap<>();
        none.put("job", null);
        ctx.json(none);
        return;
      }
      try {
        dispatcher.awaitWork(Math.min(left, 250));
      } catch (InterruptedException e) {
        // The server is stopping: the agent asks again (another server, or this one restarted).
        Thread.currentThread().interrupt();
        ctx.status(503)
            .json(Map.of("error", "stopping", "message", "the server is stopping; try again"));
        return;
      }
    }
  }

  /**
   * Fills {@code labels} with what the agent carries by a claim's body (self-hosted, its OS and
   * architecture, and the labels it asks for or else all registered for it); returns why the claim
   * is refused (a label not registered for it), or null.
   */
  private static String labelsCarried(
      Agents.AgentRecord agent, Map<?, ?> body, Set<String> labels) {
    labels.add("self-hosted");
    for (String key : List.of("os", "arch")) {
      if (body.get(key) instanceof String s && !s.isBlank()) {
        labels.add(s.toLowerCase(Locale.ROOT));
      }
    }
    List<String> asked = strings(body.get("labels"));
    for (String label : asked) {
      if (!agent.labels().contains(label)) {
        return "label '"
            + label
            + "' is not registered for agent "
            + agent.name()
            + " (it has "
            + agent.labels()
            + "); register it with that label or leave it out";
      }
    }
    labels.addAll(asked.isEmpty() ? agent.labels() : asked);
    return null;
  }

  /**
   * The next job for the worker whose result is in, when its request asked for one ({@code claim}:
   * a claim's body) and one is QUEUED now: its ticket, or null. A busy worker so takes its next job
   * with its last one's result, one request per job instead of two; an idle one long-polls.
   */
  private Map<String, Object> nextJob(Agents.AgentRecord agent, Map<?, ?> body) {
    if (!(body.get("claim") instanceof Map<?, ?> claim)) {
      return null;
    }
    Set<String> labels = new HashSet<>();
    if (labelsCarried(agent, claim, labels) != null) {
      return null; // Its next claim hears why.
    }
    carried.put(agent.id(), new Carried(Set.copyOf(labels), System.currentTimeMillis()));
    return dispatcher
        .queue()
        .claim(agent.id(), List.copyOf(labels), Instant.now(), dispatcher.lease())
        .map(job -> ticket(job, agent.id()))
        .orElse(null);
  }

  /**
   * Everything the agent needs to run the job, secrets included (they never hit the store), and the
   * job's cache token ({@code cacheToken}, null when this server serves no cache).
   */
  private Map<String, Object> ticket(JobQueue.QueuedJob job, long agentId) {
    RunTicket run;
    synchronized (runs) {
      run = runs.get(job.runId());
    }
    if (run == null) {
      run = runTicket(job.runId());
      synchronized (runs) {
        runs.put(job.runId(), run);
      }
    }
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("id", job.id());
    t.put("runId", job.runId());
    t.put("runNumber", run.runNumber());
    t.put("attempt", run.attempt());
    t.put("leaseSeconds", dispatcher.lease().toSeconds());
    Map<String, Object> spec;
    try {
      spec = objects(Expressions.fromJson(job.spec()));
    } catch (ExpressionException | ClassCastException e) {
      throw new IllegalStateException("job " + job.id() + " has an unreadable spec", e);
    }
    t.put("spec", spec);
    Map<String, Object> r = run.request();
    if (spec.get("call") instanceof Map<?, ?> call) {
      // A job of a called workflow: the agent runs it from that workflow, with its inputs and
      // the secrets the calls pass down from the run's.
      r = new LinkedHashMap<>(r);
      r.put("workflowSource", call.get("workflowSource"));
      r.put("workflowFile", call.get("workflowFile"));
      r.put("inputs", call.get("inputs"));
      r.put("secrets", calledSecrets(job, call, run.runRequest()));
    }
    t.put("request", r);
    RunRequest request = run.runRequest();
    t.put(
        "cacheToken",
        cacheTokens.forJob(
            agentId,
            job.id(),
            job.runId(),
            request.repository(),
            request.ref(),
            run.defaultBranch()));
    return t;
  }

  /**
   * What every job of a run sends alike: the run's request, read from the store and its workflow
   * parsed once per run rather than once per job (a stored run's source, event and inputs never
   * change).
   */
  private RunTicket runTicket(long runId) {
    RunHistory.RunDetails details = store.details(runId).orElseThrow();
    RunRequest request = requests.apply(details);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("workflowSource", details.workflowSource());
    r.put("workflowFile", details.run().workflowFile());
    r.put("repository", request.repository());
    r.put("event", request.event());
    r.put("eventPayload", request.eventPayload());
    r.put("ref", request.ref());
    r.put("sha", request.sha());
    r.put("inputs", request.inputs());
    r.put("secrets", request.secrets());
    r.put("vars", request.vars());
    r.put("env", request.env());
    r.put("actor", request.actor());
    if (request.remote() != null) {
      r.put("cloneUrl", request.remote().cloneUrl());
      r.put("username", request.remote().username());
      r.put("password", request.remote().password());
    }
    Object defaultBranch =
        request.eventPayload().get("repository") instanceof Map<?, ?> repository
            ? repository.get("default_branch")
            : null;
    return new RunTicket(
        details.run().runNumber(),
        details.run().attempt(),
        Collections.unmodifiableMap(r),
        request,
        defaultBranch == null ? null : defaultBranch.toString());
  }

  private static Map<String, String> calledSecrets(
      JobQueue.QueuedJob job, Map<?, ?> call, RunRequest request) {
    try {
      return io.gantry.runner.execution.WorkflowCalls.secrets(
          call, request.secrets(), request.vars());
    } catch (ExpressionException e) {
      // The orchestrator evaluated them with the whole context; here only what the call kept.
      LOG.warning(
          "job "
              + job.id()
              + " ('"
              + job.name()
              + "'): its called workflow gets no secrets: "
              + e.getMessage());
      return Map.of();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> objects(Object map) {
    return (Map<String, Object>) map;
  }

  private void events(Context ctx) {
    Agents.AgentRecord agent = agent(ctx).orElse(null);
    JobQueue.QueuedJob job = agent == null ? null : held(ctx, agent);
    Map<?, ?> body = job == null ? null : body(ctx);
    if (body == null) {
      return;
    }
    List<?> events = body.get("events") instanceof List<?> l ? l : List.of();
    if (events.size() > AgentProtocol.MAX_BATCH) {
      tooMany(ctx);
      return;
    }
    if (!dispatcher.queue().renew(job.id(), agent.id(), dispatcher.lease())) {
      lost(ctx, job);
      return;
    }
    // False when nobody orchestrates the job's run any more (a killed server's run, interrupted).
    boolean orchestrated = dispatcher.deliver(job.id(), events);
    boolean cancel =
        !orchestrated || dispatcher.cancelRequested(job.id()) || store.cancelRequested(job.runId());
    ctx.json(Map.of("cancel", cancel));
  }

  private void result(Context ctx) {
    Agents.AgentRecord agent = agent(ctx).orElse(null);
    JobQueue.QueuedJob job = agent == null ? null : held(ctx, agent);
    if (job == null) {
      return;
    }
    Map<?, ?> body = body(ctx);
    if (body == null) {
      return;
    }
    List<?> events = body.get("events") instanceof List<?> l ? l : List.of();
    if (events.size() > AgentProtocol.MAX_BATCH) {
      tooMany(ctx);
      return;
    }
    Map<Object, Object> stored = new LinkedHashMap<>(body);
    stored.remove("events");
    stored.remove("claim");
    String result = Expressions.toJson(stored);
    // The job's last events first, as if posted to /events just before: they are in the store
    // (and the run's logs) before the job's waiter hears it completed. Their rows and the job's
    // completion are one transaction: one commit instead of one per row, and all or none.
    boolean[] completed = new boolean[1];
    dispatcher
        .queue()
        .together(
            () -> {
              dispatcher.deliver(job.id(), events);
              completed[0] =
                  dispatcher.queue().complete(job.id(), agent.id(), result, Instant.now());
            });
    if (!completed[0]) {
      lost(ctx, job);
      return;
    }
    cacheTokens.jobEnded(job.id());
    dispatcher.completed(job.id(), result);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("id", job.id());
    answer.put("accepted", true);
    answer.put("job", nextJob(agent, body));
    ctx.json(answer);
  }

  private static void tooMany(Context ctx) {
    ctx.status(413)
        .json(
            Map.of(
                "error",
                "too_large",
                "message",
                "at most " + AgentProtocol.MAX_BATCH + " events per batch"));
  }

  /** The job of the path when this agent holds it; else answers 404 or 409 and returns null. */
  JobQueue.QueuedJob held(Context ctx, Agents.AgentRecord agent) {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      ctx.status(400).json(Map.of("error", "bad_request", "message", "job id must be a number"));
      return null;
    }
    Optional<JobQueue.QueuedJob> job = dispatcher.queue().find(id);
    if (job.isEmpty()) {
      ctx.status(404).json(Map.of("error", "not_found", "message", "no job " + id));
      return null;
    }
    if (!Long.valueOf(agent.id()).equals(job.get().agentId())
        || job.get().status() != RunStatus.IN_PROGRESS) {
      lost(ctx, job.get());
      return null;
    }
    return job.get();
  }

  private static void lost(Context ctx, JobQueue.QueuedJob job) {
    ctx.status(409)
        .json(
            Map.of(
                "error",
                "lost",
                "message",
                "this agent no longer holds job " + job.id() + " (its lease expired); stop it"));
  }

  private static Map<?, ?> body(Context ctx) {
    try {
      Object parsed = Expressions.fromJson(ctx.body());
      if (parsed instanceof Map<?, ?> m) {
        return m;
      }
    } catch (ExpressionException e) {
      // answered below
    }
    ctx.status(400).json(Map.of("error", "bad_request", "message", "the body must be JSON object"));
    return null;
  }

  private static List<String> strings(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> l) {
      l.forEach(o -> out.add(String.valueOf(o).toLowerCase(Locale.ROOT)));
    }
    return out;
  }

  static JobDispatcher.ReadyJob readyJob(Map<?, ?> ticket) {
    return AgentProtocol.readyJob(
        (long) AgentProtocol.number(ticket.get("runId")), (Map<?, ?>) ticket.get("spec"));
  }
}
