package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import io.gantry.engine.ContainerEngine.PortMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code awsvpc} network mode: a task gets a bridge network of its own ({@code
 * ecs-task-TASK_ID}); its first container is created on it and holds the network namespace, the
 * others join that namespace (so they reach each other on localhost), and the task's address on
 * that network is its ENI's private address, shown in DescribeTasks as ECS shows an
 * ElasticNetworkInterface attachment and targeted by the load balancer. The containers' ports are
 * also published on 127.0.0.1 (on free ports, in {@code networkBindings}) for clients on this
 * machine that cannot route to the network.
 */
final class AwsVpc {

  /** Label of the container that holds the task's network namespace. */
  static final String LABEL_NETWORK_OWNER = "io.gantry.local-ecs.network-owner";

  private AwsVpc() {}

  static boolean enabled(JsonNode taskDefinition) {
    return "awsvpc".equals(taskDefinition.path("networkMode").asText());
  }

  static String network(Model.Task task) {
    return "ecs-task-" + task.id();
  }

  /** Every container's ports: the namespace's holder publishes them for all. */
  static List<PortMapping> allPorts(JsonNode taskDefinition) {
    List<PortMapping> ports = new ArrayList<>();
    for (JsonNode def : taskDefinition.get("containerDefinitions")) {
      for (JsonNode p : def.path("portMappings")) {
        ports.add(
            new PortMapping(p.get("containerPort").asInt(), 0, p.path("protocol").asText("tcp")));
      }
    }
    return ports;
  }

  /** The task's private address (null for other network modes or before it runs). */
  static String privateAddress(Model.Task task) {
    for (JsonNode a : task.attachments) {
      if ("ElasticNetworkInterface".equals(a.path("type").asText())) {
        for (JsonNode d : a.path("details")) {
          if ("privateIPv4Address".equals(d.path("name").asText())) {
            return d.path("value").asText();
          }
        }
      }
    }
    return null;
  }

  /**
   * Records what the running task's namespace holder shows (caller holds the core lock): the ENI
   * attachment, each container's network interface and its ports' host bindings.
   */
  static void attach(
      Model.Task task, JsonNode taskDefinition, ContainerStatus holder, ObjectMapper mapper) {
    if (holder == null || holder.ipAddress() == null) {
      return;
    }
    String attachmentId = Arns.uuid();
    ObjectNode eni = mapper.createObjectNode();
    eni.put("id", attachmentId);
    eni.put("type", "ElasticNetworkInterface");
    eni.put("status", "ATTACHED");
    var details = eni.putArray("details");
    detail(details, "subnetId", "subnet-local-ecs");
    detail(details, "networkInterfaceId", "eni-" + task.id().substring(0, 17 - 4));
    if (holder.macAddress() != null) {
      detail(details, "macAddress", holder.macAddress());
    }
    detail(
        details, "privateDnsName", "ip-" + holder.ipAddress().replace('.', '-') + ".ec2.internal");
    detail(details, "privateIPv4Address", holder.ipAddress());
    task.attachments.removeIf(a -> "ElasticNetworkInterface".equals(a.path("type").asText()));
    task.attachments.add(eni);
    for (Model.Container c : task.containers) {
      ObjectNode ni = mapper.createObjectNode();
      ni.put("attachmentId", attachmentId);
      ni.put("privateIpv4Address", holder.ipAddress());
      c.networkInterfaces = new ArrayList<>(List.of(ni));
      c.networkBindings = new ArrayList<>();
      for (JsonNode def : taskDefinition.get("containerDefinitions")) {
        if (!def.get("name").asText().equals(c.name)) {
          continue;
        }
        for (JsonNode p : def.path("portMappings")) {
          String protocol = p.path("protocol").asText("tcp");
          Integer hostPort =
              holder.hostPorts().get(p.get("containerPort").asInt() + "/" + protocol);
          if (hostPort != null) {
            Model.NetworkBinding b = new Model.NetworkBinding();
            b.containerPort = p.get("containerPort").asInt();
            b.hostPort = hostPort;
            b.protocol = protocol;
            c.networkBindings.add(b);
          }
        }
      }
    }
  }

  private static void detail(
      com.fasterxml.jackson.databind.node.ArrayNode details, String name, String value) {
    ObjectNode d = details.addObject();
    d.put("name", name);
    d.put("value", value);
  }

  static Map<String, String> labels(String instanceId, Model.Task task) {
    return Map.of(TaskRunner.LABEL_INSTANCE, instanceId, TaskRunner.LABEL_TASK, task.taskArn);
  }
}
