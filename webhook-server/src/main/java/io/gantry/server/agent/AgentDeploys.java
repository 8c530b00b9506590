package io.gantry.server.agent;

import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.Agents;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.JobQueue;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's side of the deploy history of the agents' jobs ({@link AgentDeployHistory} is the
 * agent's): {@code POST /api/agent/jobs/{id}/deploys/{op}}, each call carrying the agent's token
 * and naming a job the agent holds now (else 401, 404 or 409, as the job's events). A job records
 * deploys of its own run only: a record naming another run, or a change to a deployment of another
 * run, gets 403. Reads (the service's deployments, its last known good one) and the services'
 * deploy leases are the server's own, so deploys on agents and servers queue on one lease and
 * rollbacks see every deploy. Bodies are at most {@value #MAX_BODY} bytes; errors are one line.
 */
public final class AgentDeploys {

  static final int MAX_BODY = 64 * 1024;
  private static final int MAX_LIST = 500;

  private final AgentChannel channel;
  private final DeployHistory history;

  /**
   * @param history the server's own history (its store's), so H2 and PostgreSQL both serve
   */
  public AgentDeploys(AgentChannel channel, DeployHistory history) {
    this.channel = channel;
    this.history = history;
  }

  public void routes(Javalin app) {
    app.post("/api/agent/jobs/{id}/deploys/{op}", this::handle);
  }

  /** A refused call: its status and one-line message. */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private void handle(Context ctx) {
    Agents.AgentRecord agent = channel.agent(ctx).orElse(null);
    JobQueue.QueuedJob job = agent == null ? null : channel.held(ctx, agent);
    if (job == null) {
      return;
    }
    try {
      Map<?, ?> body = body(ctx);
      ctx.json(answer(ctx.pathParam("op"), job, body));
    } catch (Refused e) {
      ctx.status(e.status).json(Map.of("error", error(e.status), "message", e.getMessage()));
    } catch (IllegalArgumentException e) {
      ctx.status(400).json(Map.of("error", "bad_request", "message", e.getMessage()));
    }
  }

  private Map<String, Object> answer(String op, JobQueue.QueuedJob job, Map<?, ?> body)
      throws Refused {
    Map<String, Object> out = new LinkedHashMap<>();
    switch (op) {
      case "started" -> {
        DeployHistory.NewDeployment d = DeployJson.newDeployment(body);
        if (d.runId() != null && d.runId() != job.runId()) {
          throw new Refused(
              403, "job " + job.id() + " is of run " + job.runId() + ", not of run " + d.runId());
        }
        out.put("id", history.started(withRun(d, job.runId())));
      }
      case "finished" -> {
        long id = ownDeployment(body, job);
        history.finished(
            id,
            DeployHistory.Outcome.parse(DeployJson.text(body, "outcome")),
            DeployJson.optional(body, "message"),
            DeployJson.instant(body, "at"));
        out.put("id", id);
      }
      case "health-check" -> {
        long id = ownDeployment(body, job);
        history.recordHealthCheck(id, DeployJson.text(body, "healthCheck"));
        out.put("id", id);
      }
      case "find" ->
          out.put("deployment", history.find(id(body)).map(DeployJson::deployment).orElse(null));
      case "list" -> {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Deployment d : history.list(DeployJson.service(body.get("service")), limit(body))) {
          rows.add(DeployJson.deployment(d));
        }
        out.put("deployments", rows);
      }
      case "last-good" ->
          out.put(
              "deployment",
              history
                  .lastKnownGood(DeployJson.service(body.get("service")), beforeId(body))
                  .map(DeployJson::deployment)
                  .orElse(null));
      case "lock" -> {
        Long millis = DeployJson.number(body, "leaseMillis");
        if (millis == null || millis < 1 || millis > Duration.ofHours(1).toMillis()) {
          throw new IllegalArgumentException("'leaseMillis' must be from 1 to 3600000");
        }
        Optional<String> holder =
            history.tryLock(
                DeployJson.service(body.get("service")),
                DeployJson.text(body, "owner"),
                DeployJson.text(body, "holder"),
                Instant.now(),
                Duration.ofMillis(millis));
        out.put("holder", holder.orElse(null));
      }
      case "renew" ->
          out.put(
              "renewed",
              history.renewLock(
                  DeployJson.service(body.get("service")),
                  DeployJson.text(body, "owner"),
                  DeployJson.instant(body, "until")));
      case "unlock" -> {
        history.unlock(DeployJson.service(body.get("service")), DeployJson.text(body, "owner"));
        out.put("unlocked", true);
      }
      default ->
          throw new Refused(
              404,
              "no deploy call '"
                  + op
                  + "'; use started, finished, health-check, find, list, last-good, lock, renew"
                  + " or unlock");
    }
    return out;
  }

  /** The deployment the body names, when the job's run made it; else 404 or 403. */
  private long ownDeployment(Map<?, ?> body, JobQueue.QueuedJob job) throws Refused {
    long id = id(body);
    Deployment d =
        history.find(id).orElseThrow(() -> new Refused(404, "no deployment " + id + " recorded"));
    if (d.runId() == null || d.runId() != job.runId()) {
      throw new Refused(
          403,
          "deployment "
              + id
              + " is not of run "
              + job.runId()
              + " (job "
              + job.id()
              + "'s); an agent changes only its own jobs' deployments");
    }
    return id;
  }

  private static DeployHistory.NewDeployment withRun(DeployHistory.NewDeployment d, long runId) {
    return new DeployHistory.NewDeployment(
        d.service(),
        d.taskDefinition(),
        d.images(),
        runId,
        d.sha(),
        d.trigger(),
        d.kind(),
        d.rollbackOf(),
        d.healthCheck(),
        d.startedAt());
  }

  private static long id(Map<?, ?> body) {
    Long id = DeployJson.number(body, "id");
    if (id == null) {
      throw new IllegalArgumentException("'id' (a deployment's id) is missing");
    }
    return id;
  }

  private static long beforeId(Map<?, ?> body) {
    Long before = DeployJson.number(body, "beforeId");
    return before == null ? Long.MAX_VALUE : before;
  }

  private static int limit(Map<?, ?> body) {
    Long limit = DeployJson.number(body, "limit");
    if (limit == null || limit < 1 || limit > MAX_LIST) {
      throw new IllegalArgumentException("'limit' must be from 1 to " + MAX_LIST);
    }
    return limit.intValue();
  }

  private static Map<?, ?> body(Context ctx) throws Refused {
    byte[] bytes = ctx.bodyAsBytes();
    if (bytes.length > MAX_BODY) {
      throw new Refused(413, "a deploy call's body is at most " + MAX_BODY + " bytes");
    }
    try {
      if (Expressions.fromJson(new String(bytes, StandardCharsets.UTF_8)) instanceof Map<?, ?> m) {
        return m;
      }
    } catch (ExpressionException e) {
      // answered below
    }
    throw new IllegalArgumentException("the body must be a JSON object");
  }

  private static String error(int status) {
    return switch (status) {
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 413 -> "too_large";
      default -> "bad_request";
    };
  }
}
