package io.gantry.server;

import io.gantry.runner.deploy.ServiceRollback;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The deploy history of the server's ECS services over HTTP: {@code GET
 * /api/services/{cluster}/{service}/deployments} and {@code POST …/rollback}.
 *
 * <p>The ECS endpoint, region and credentials are the ones the server's runs get: the embedded
 * local-ecs when {@code local-ecs:} is configured, else the server's own AWS environment ({@code
 * AWS_ENDPOINT_URL_ECS} / {@code AWS_ENDPOINT_URL} / the region's default, {@code AWS_REGION},
 * {@code AWS_ACCESS_KEY_ID}, ...). So a service is the same key in the history as the one the runs'
 * deploys recorded.
 *
 * <p>Threading: a rollback runs on a thread of its own ({@code gantry-rollback}); the request is
 * answered asynchronously ({@code ctx.future}) when it ends, so a rollback waiting 30 minutes for
 * ECS holds no thread of the HTTP server. If the client goes away the rollback still ends and is
 * recorded. One rollback per service at a time on this server (a second answers 409); against a
 * deploy of the same service (a run, or another process) it queues on the service's deploy lease
 * like any deploy, and its log says whom it waits for.
 */
final class ServiceApi implements AutoCloseable {

  /** Who a rollback through the API is recorded as triggered by (there is one api-token). */
  static final String TRIGGER = "gantry rollback by api";

  private static final Set<String> ROLLBACK_FIELDS = Set.of("to", "wait", "waitMinutes");

  private final DeployHistory history;
  private final Map<String, String> awsEnv;
  private final Consumer<Context> authenticate;
  private final Set<ServiceKey> running = ConcurrentHashMap.newKeySet();
  private final ExecutorService rollbacks =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "gantry-rollback");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean closing;

  /**
   * @param awsEnv the AWS variables the server's runs see (process environment, then the embedded
   *     local-ecs's on top)
   */
  ServiceApi(DeployHistory history, Map<String, String> awsEnv, Consumer<Context> authenticate) {
    this.history = history;
    this.awsEnv = Map.copyOf(awsEnv);
    this.authenticate = authenticate;
  }

  void routes(Javalin app) {
    app.get("/api/services/{cluster}/{service}/deployments", this::deployments);
    app.post("/api/services/{cluster}/{service}/rollback", this::rollback);
  }

  private void deployments(Context ctx) {
    int limit = limit(ctx);
    Map<String, String> env = new HashMap<>(awsEnv);
    String endpoint = ctx.queryParam("endpoint");
    if (endpoint != null) {
      if (endpoint.isBlank()) {
        throw ApiException.badRequest("'endpoint' must be an ECS endpoint URL, not empty");
      }
      env.put("AWS_ENDPOINT_URL_ECS", endpoint);
    }
    ServiceKey key = key(env, ctx);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Deployment d : history.list(key, limit)) {
      rows.add(json(d));
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("cluster", key.cluster());
    answer.put("service", key.service());
    answer.put("endpoint", key.endpoint());
    answer.put("deployments", rows);
    ctx.json(answer);
  }

  private void rollback(Context ctx) {
    authenticate.accept(ctx);
    Map<String, Object> body = ctx.body().isBlank() ? Map.of() : Api.body(ctx);
    for (String field : body.keySet()) {
      if (!ROLLBACK_FIELDS.contains(field)) {
        throw ApiException.badRequest(
            "unknown field '" + field + "'; a rollback takes to, wait and waitMinutes");
      }
    }
    Object to = body.getOrDefault("to", "");
    if (!(to instanceof String)) {
      throw ApiException.badRequest(
          "'to' must be a string (a deployment id, run:N or a task definition), not " + to);
    }
    Object wait = body.getOrDefault("wait", true);
    if (!(wait instanceof Boolean)) {
      throw ApiException.badRequest("'wait' must be true or false, not " + wait);
    }
    Object minutes = body.getOrDefault("waitMinutes", 30);
    if (!(minutes instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < 1
        || n.doubleValue() > 360) {
      throw ApiException.badRequest(
          "'waitMinutes' must be a whole number of minutes from 1 to 360, not " + minutes);
    }
    ServiceKey key = key(awsEnv, ctx);
    if (!running.add(key)) {
      throw ApiException.conflict(
          "a rollback of "
              + key.cluster()
              + "/"
              + key.service()
              + " is already running on this server; wait for it (gantry deployments "
              + key.service()
              + " shows it)");
    }
    ServiceRollback.Request request =
        new ServiceRollback.Request(
            awsEnv,
            ctx.pathParam("cluster"),
            key.service(),
            (String) to,
            (Boolean) wait,
            Duration.ofMinutes(((Number) minutes).longValue()),
            TRIGGER,
            null,
            null);
    CompletableFuture<Map<String, Object>> done;
    try {
      done =
          CompletableFuture.supplyAsync(() -> perform(key, request), rollbacks)
              .whenComplete((answer, failure) -> running.remove(key));
    } catch (RuntimeException e) {
      running.remove(key);
      throw e;
    }
    ctx.future(
        () ->
            done.thenAccept(
                answer -> {
                  ctx.status((Integer) answer.remove("status"));
                  ctx.json(answer);
                }));
  }

  /** Runs the rollback; the answer's body with its HTTP status under {@code status}. */
  private Map<String, Object> perform(ServiceKey key, ServiceRollback.Request request) {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    List<Deployment> before = history.list(key, 1);
    long newestBefore = before.isEmpty() ? 0 : before.get(0).id();
    ServiceRollback.Result result =
        ServiceRollback.rollBack(request, history, log::add, () -> closing);
    Deployment recorded = null;
    for (Deployment d : history.list(key, 50)) {
      if (d.id() > newestBefore
          && DeployHistory.Kind.ROLLBACK.equals(d.kind())
          && TRIGGER.equals(d.trigger())) {
        recorded = d;
        break;
      }
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    int status;
    if (result.succeeded()) {
      status = request.waitForStability() ? 200 : 202;
    } else if (recorded == null) {
      // Nothing was deployed: no known good deployment, an unknown target, no credentials.
      status = 409;
      answer.put("error", "conflict");
    } else {
      status = 502;
      answer.put("error", "rollback_failed");
    }
    answer.put("status", status);
    answer.put("succeeded", result.succeeded());
    answer.put("message", result.message());
    answer.put("deployment", recorded == null ? null : json(recorded));
    synchronized (log) {
      answer.put("log", List.copyOf(log));
    }
    return answer;
  }

  private static ServiceKey key(Map<String, String> env, Context ctx) {
    try {
      return ServiceRollback.serviceKey(env, ctx.pathParam("cluster"), ctx.pathParam("service"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  private static int limit(Context ctx) {
    String value = ctx.queryParam("limit");
    if (value == null) {
      return 20;
    }
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= 500) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // Answered below.
    }
    throw ApiException.badRequest(
        "'limit' must be a whole number from 1 to 500, got '" + value + "'");
  }

  /** Every field of a deployment; times as ISO-8601. */
  static Map<String, Object> json(Deployment d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("cluster", d.service().cluster());
    m.put("service", d.service().service());
    m.put("endpoint", d.service().endpoint());
    m.put("kind", d.kind().label());
    m.put("outcome", d.outcome().label());
    m.put("message", d.message());
    m.put("taskDefinition", d.taskDefinition());
    m.put("images", d.images());
    m.put("runId", d.runId());
    m.put("sha", d.sha());
    m.put("trigger", d.trigger());
    m.put("rollbackOf", d.rollbackOf());
    m.put("healthCheck", d.healthCheck());
    m.put("startedAt", text(d.startedAt()));
    m.put("finishedAt", text(d.finishedAt()));
    return m;
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  /** Asks running rollbacks to stop waiting (they record how far they got) and waits briefly. */
  @Override
  public void close() {
    closing = true;
    rollbacks.shutdown();
    try {
      rollbacks.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
