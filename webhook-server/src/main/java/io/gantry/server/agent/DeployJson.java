package io.gantry.server.agent;

import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deploy history's values as the agents' deploy endpoints send them ({@link AgentDeploys},
 * {@link AgentDeployHistory}): JSON maps, times as ISO-8601. Reading throws {@link
 * IllegalArgumentException} naming the field.
 */
final class DeployJson {

  private DeployJson() {}

  static Map<String, Object> service(ServiceKey key) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", key.endpoint());
    m.put("cluster", key.cluster());
    m.put("service", key.service());
    return m;
  }

  static ServiceKey service(Object value) {
    if (!(value instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(
          "'service' must be an object {endpoint, cluster, service}");
    }
    return new ServiceKey(text(m, "endpoint"), text(m, "cluster"), text(m, "service"));
  }

  static Map<String, Object> newDeployment(DeployHistory.NewDeployment d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("service", service(d.service()));
    m.put("taskDefinition", d.taskDefinition());
    m.put("images", d.images());
    m.put("runId", d.runId());
    m.put("sha", d.sha());
    m.put("trigger", d.trigger());
    m.put("kind", d.kind().label());
    m.put("rollbackOf", d.rollbackOf());
    m.put("healthCheck", d.healthCheck());
    m.put("startedAt", time(d.startedAt()));
    return m;
  }

  static DeployHistory.NewDeployment newDeployment(Map<?, ?> m) {
    return new DeployHistory.NewDeployment(
        service(m.get("service")),
        text(m, "taskDefinition"),
        images(m.get("images")),
        number(m, "runId"),
        optional(m, "sha"),
        optional(m, "trigger"),
        DeployHistory.Kind.parse(text(m, "kind")),
        number(m, "rollbackOf"),
        optional(m, "healthCheck"),
        instant(m, "startedAt"));
  }

  static Map<String, Object> deployment(Deployment d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("service", service(d.service()));
    m.put("taskDefinition", d.taskDefinition());
    m.put("images", d.images());
    m.put("runId", d.runId());
    m.put("sha", d.sha());
    m.put("trigger", d.trigger());
    m.put("kind", d.kind().label());
    m.put("rollbackOf", d.rollbackOf());
    m.put("healthCheck", d.healthCheck());
    m.put("outcome", d.outcome().label());
    m.put("message", d.message());
    m.put("startedAt", time(d.startedAt()));
    m.put("finishedAt", time(d.finishedAt()));
    return m;
  }

  static Deployment deployment(Map<?, ?> m) {
    Long id = number(m, "id");
    if (id == null) {
      throw new IllegalArgumentException("'id' is missing");
    }
    return new Deployment(
        id,
        service(m.get("service")),
        text(m, "taskDefinition"),
        images(m.get("images")),
        number(m, "runId"),
        optional(m, "sha"),
        optional(m, "trigger"),
        DeployHistory.Kind.parse(text(m, "kind")),
        number(m, "rollbackOf"),
        optional(m, "healthCheck"),
        DeployHistory.Outcome.parse(text(m, "outcome")),
        optional(m, "message"),
        instant(m, "startedAt"),
        m.get("finishedAt") == null ? null : instant(m, "finishedAt"));
  }

  static String time(Instant at) {
    return at == null ? null : at.toString();
  }

  static Instant instant(Map<?, ?> m, String key) {
    String value = text(m, key);
    try {
      return Instant.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + key + "' must be an ISO-8601 instant, got '" + value + "'", e);
    }
  }

  static String text(Map<?, ?> m, String key) {
    if (m.get(key) instanceof String s && !s.isBlank()) {
      return s;
    }
    throw new IllegalArgumentException("'" + key + "' must be a non-empty string");
  }

  static String optional(Map<?, ?> m, String key) {
    Object value = m.get(key);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw new IllegalArgumentException("'" + key + "' must be a string or null");
  }

  static Long number(Map<?, ?> m, String key) {
    Object value = m.get(key);
    if (value == null) {
      return null;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw new IllegalArgumentException("'" + key + "' must be a whole number or null");
  }

  private static List<String> images(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> l) {
      for (Object o : l) {
        if (!(o instanceof String s)) {
          throw new IllegalArgumentException("'images' must be a list of strings");
        }
        out.add(s);
      }
      return out;
    }
    throw new IllegalArgumentException("'images' must be a list of strings");
  }
}
