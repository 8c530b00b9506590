package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine.ContainerSpec;
import io.gantry.engine.ContainerEngine.PortMapping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a container definition (with the task's overrides) into the engine's container spec. */
final class ContainerSpecs {

  private ContainerSpecs() {}

  static ContainerSpec spec(
      LocalEcsCore core,
      Model.Task task,
      ObjectNode taskDefinition,
      JsonNode def,
      Map<String, String> secrets) {
    String name = def.get("name").asText();
    JsonNode override = null;
    if (task.overrides != null && task.overrides.has("containerOverrides")) {
      for (JsonNode o : task.overrides.get("containerOverrides")) {
        if (name.equals(o.path("name").asText())) {
          override = o;
        }
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    def.path("environment").forEach(e -> env.put(e.get("name").asText(), e.path("value").asText()));
    if (override != null) {
      override
          .path("environment")
          .forEach(e -> env.put(e.get("name").asText(), e.path("value").asText()));
    }
    if (secrets != null) {
      env.putAll(secrets);
    }
    List<String> environment = new ArrayList<>();
    env.forEach((k, v) -> environment.add(k + "=" + v));
    List<String> command = strings(def.get("command"));
    if (override != null && override.has("command")) {
      command = strings(override.get("command"));
    }
    boolean bridge =
        !taskDefinition.has("networkMode")
            || taskDefinition.get("networkMode").asText().equals("bridge");
    List<PortMapping> ports = new ArrayList<>();
    for (JsonNode p : def.path("portMappings")) {
      int hostPort = bridge ? p.path("hostPort").asInt(0) : 0;
      ports.add(
          new PortMapping(
              p.get("containerPort").asInt(), hostPort, p.path("protocol").asText("tcp")));
    }
    Integer memory = TaskDefinitions.amount(def, "memory", name, false);
    Integer reservation = TaskDefinitions.amount(def, "memoryReservation", name, false);
    Integer cpu = TaskDefinitions.amount(def, "cpu", name, true);
    int stopTimeout =
        def.has("stopTimeout")
            ? def.get("stopTimeout").asInt()
            : (int) core.options().defaultStopTimeout().toSeconds();
    Map<String, String> labels = new LinkedHashMap<>();
    def.path("dockerLabels")
        .fields()
        .forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
    labels.put(TaskRunner.LABEL_INSTANCE, core.instanceId());
    labels.put(TaskRunner.LABEL_TASK, task.taskArn);
    labels.put(TaskRunner.LABEL_CONTAINER, name);
    String family = taskDefinition.get("family").asText();
    int revision = taskDefinition.get("revision").asInt();
    return new ContainerSpec(
        "ecs-" + family + "-" + revision + "-" + name + "-" + task.id(),
        def.get("image").asText(),
        strings(def.get("entryPoint")),
        command,
        environment,
        text(def, "workingDirectory"),
        text(def, "user"),
        ports,
        memory == null ? null : memory * 1024L * 1024L,
        reservation == null ? null : reservation * 1024L * 1024L,
        cpu == null || cpu == 0 ? null : cpu,
        stopTimeout,
        labels,
        def.has("healthCheck")
                && !def.get("healthCheck").get("command").get(0).asText().equals("NONE")
            ? HealthChecks.Health.spec(def.get("healthCheck"))
            : null,
        null);
  }

  /** The holder of an awsvpc task's namespace publishes every port; the others join it. */
  static ContainerSpec vpcSpec(
      ContainerSpec spec, Model.Task task, JsonNode taskDefinition, String owner) {
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    if (owner == null) {
      labels.put(AwsVpc.LABEL_NETWORK_OWNER, "true");
    }
    return new ContainerSpec(
        spec.name(),
        spec.image(),
        spec.entryPoint(),
        spec.command(),
        spec.environment(),
        spec.workingDirectory(),
        spec.user(),
        owner == null ? AwsVpc.allPorts(taskDefinition) : List.of(),
        spec.memoryBytes(),
        spec.memoryReservationBytes(),
        spec.cpuShares(),
        spec.stopTimeoutSeconds(),
        labels,
        spec.healthCheck(),
        owner == null ? AwsVpc.network(task) : "container:" + owner);
  }

  private static List<String> strings(JsonNode array) {
    if (array == null || !array.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    array.forEach(a -> out.add(a.asText()));
    return out;
  }

  private static String text(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull() ? node.get(field).asText() : null;
  }
}
