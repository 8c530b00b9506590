package io.gantry.server.agent;

import io.gantry.runner.store.DeployHistory;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The deploy history of one job a {@code gantry agent} runs: the server's, over the agent's
 * authenticated HTTP ({@link AgentDeploys} is the server's side), so that the server's {@code
 * gantry rollback}, deployments API and web UI see the agent's deploys, and a failed deploy rolls
 * back to the last known good deployment of the shared history. A call the server refuses or cannot
 * answer throws {@link IllegalStateException} with one line naming the call; {@link #inProgress}
 * and {@link #services} are the server's own business (its recovery and pages) and are not served
 * to agents. Thread-safe.
 */
final class AgentDeployHistory implements DeployHistory {

  private final AgentServices server;
  private final long jobId;

  AgentDeployHistory(AgentServices server, long jobId) {
    this.server = server;
    this.jobId = jobId;
  }

  @Override
  public long started(NewDeployment deployment) {
    return id(call("started", DeployJson.newDeployment(deployment)));
  }

  @Override
  public void finished(long id, Outcome outcome, String message, Instant at) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("outcome", outcome.label());
    body.put("message", message);
    body.put("at", DeployJson.time(at));
    call("finished", body);
  }

  @Override
  public void recordHealthCheck(long id, String healthCheck) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("healthCheck", healthCheck);
    call("health-check", body);
  }

  @Override
  public Optional<Deployment> find(long id) {
    return deployment(call("find", Map.of("id", id)));
  }

  @Override
  public List<Deployment> list(ServiceKey service, int limit) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service", DeployJson.service(service));
    body.put("limit", Math.min(limit, 500));
    List<Deployment> out = new ArrayList<>();
    if (call("list", body).get("deployments") instanceof List<?> rows) {
      for (Object row : rows) {
        out.add(DeployJson.deployment((Map<?, ?>) row));
      }
    }
    return out;
  }

  @Override
  public List<Deployment> inProgress(int limit) {
    throw new UnsupportedOperationException(
        "the deploys in progress are the server's to recover, not an agent's");
  }

  @Override
  public List<Deployment> services() {
    throw new UnsupportedOperationException("the services' list is the server's, not an agent's");
  }

  @Override
  public Optional<Deployment> lastKnownGood(ServiceKey service, long beforeId) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service", DeployJson.service(service));
    body.put("beforeId", beforeId);
    return deployment(call("last-good", body));
  }

  @Override
  public Optional<String> tryLock(
      ServiceKey service, String owner, String holder, Instant now, Duration lease) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service", DeployJson.service(service));
    body.put("owner", owner);
    body.put("holder", holder);
    // The server's clock times the lease, as it does for its own deploys.
    body.put("leaseMillis", lease.toMillis());
    return call("lock", body).get("holder") instanceof String h ? Optional.of(h) : Optional.empty();
  }

  @Override
  public boolean renewLock(ServiceKey service, String owner, Instant until) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service", DeployJson.service(service));
    body.put("owner", owner);
    body.put("until", DeployJson.time(until));
    return Boolean.TRUE.equals(call("renew", body).get("renewed"));
  }

  @Override
  public void unlock(ServiceKey service, String owner) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service", DeployJson.service(service));
    body.put("owner", owner);
    call("unlock", body);
  }

  private Map<?, ?> call(String op, Map<String, Object> body) {
    AgentServices.Answer answer;
    try {
      answer = server.send("POST", "/api/agent/jobs/" + jobId + "/deploys/" + op, body);
    } catch (IOException e) {
      throw new IllegalStateException(
          "deploy history: cannot reach " + server.server() + " (" + op + "): " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("deploy history: interrupted (" + op + ")", e);
    }
    if (answer.status() != 200) {
      throw new IllegalStateException(
          "deploy history: the server refused '"
              + op
              + "' for job "
              + jobId
              + " ("
              + answer.status()
              + "): "
              + answer.message());
    }
    return answer.body();
  }

  private static long id(Map<?, ?> answer) {
    Long id = DeployJson.number(answer, "id");
    if (id == null) {
      throw new IllegalStateException("deploy history: the server answered no deployment id");
    }
    return id;
  }

  private static Optional<Deployment> deployment(Map<?, ?> answer) {
    return answer.get("deployment") instanceof Map<?, ?> m
        ? Optional.of(DeployJson.deployment(m))
        : Optional.empty();
  }
}
