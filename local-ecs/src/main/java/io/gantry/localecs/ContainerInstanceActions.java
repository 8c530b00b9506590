package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * RegisterContainerInstance, DeregisterContainerInstance, ListContainerInstances and
 * DescribeContainerInstances (with the remaining CPU and memory). Registered by API with {@code
 * totalResources} (CPU, MEMORY) and {@code attributes}: no EC2 instance identity document is
 * needed; {@code ecs.availability-zone} defaults to the region's "a" zone. Caller holds the core
 * lock.
 */
final class ContainerInstanceActions {

  private final LocalEcsCore core;
  private final ObjectMapper mapper;

  ContainerInstanceActions(LocalEcsCore core) {
    this.core = core;
    this.mapper = core.mapper();
  }

  ObjectNode register(Model.Cluster cluster, ObjectNode request) {
    Model.ContainerInstance i = new Model.ContainerInstance();
    String id = Arns.hex(16);
    i.containerInstanceArn =
        "arn:aws:ecs:"
            + core.arns().region()
            + ":"
            + Arns.ACCOUNT
            + ":container-instance/"
            + cluster.clusterName
            + "/"
            + id;
    i.ec2InstanceId = "i-" + id.substring(0, 17);
    i.cpu = 2048;
    i.memory = 4096;
    for (JsonNode r : request.path("totalResources")) {
      String name = r.path("name").asText();
      int value = r.path("integerValue").asInt(-1);
      if (!name.equals("CPU") && !name.equals("MEMORY")) {
        continue;
      }
      if (value < 0) {
        throw AwsError.invalid("totalResources " + name + " needs a non-negative integerValue.");
      }
      if (name.equals("CPU")) {
        i.cpu = value;
      } else {
        i.memory = value;
      }
    }
    i.attributes.put("ecs.availability-zone", core.arns().region() + "a");
    i.attributes.put("ecs.instance-type", "local");
    i.attributes.put("ecs.os-type", "linux");
    for (JsonNode a : request.path("attributes")) {
      String name = a.path("name").asText("");
      if (!name.matches("[A-Za-z0-9_.\\-/@]{1,128}")) {
        throw AwsError.invalid(
            "Attribute name '" + name + "' must be 1-128 letters, digits, and . _ - / @.");
      }
      i.attributes.put(name, a.path("value").asText(null));
    }
    i.registeredAt = Model.now();
    cluster.containerInstances.put(i.containerInstanceArn, i);
    cluster.registeredContainerInstancesCount = cluster.containerInstances.size();
    ObjectNode out = mapper.createObjectNode();
    out.set("containerInstance", describe(i));
    return out;
  }

  ObjectNode deregister(Model.Cluster cluster, ObjectNode request) {
    Model.ContainerInstance i = find(cluster, request.path("containerInstance").asText(""));
    if (i == null) {
      throw AwsError.invalid("Container instance not found.");
    }
    boolean busy = false;
    for (Model.Task t : core.state().tasks.values()) {
      busy |= !t.stopped() && i.containerInstanceArn.equals(t.containerInstanceArn);
    }
    if (busy && !request.path("force").asBoolean(false)) {
      throw AwsError.invalid(
          "Found running tasks on the instance; deregister with force to leave them running"
              + " without an instance.");
    }
    cluster.containerInstances.remove(i.containerInstanceArn);
    cluster.registeredContainerInstancesCount = cluster.containerInstances.size();
    i.status = "INACTIVE";
    ObjectNode out = mapper.createObjectNode();
    out.set("containerInstance", describe(i));
    return out;
  }

  ObjectNode list(Model.Cluster cluster, ObjectNode request) {
    String filter = request.path("filter").asText("");
    if (!filter.isEmpty()) {
      ClusterQuery.parse(filter);
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode arns = out.putArray("containerInstanceArns");
    for (Model.ContainerInstance i : cluster.containerInstances.values()) {
      if (filter.isEmpty() || ClusterQuery.matches(filter, Placement.attributes(i))) {
        arns.add(i.containerInstanceArn);
      }
    }
    return out;
  }

  ObjectNode describe(Model.Cluster cluster, ObjectNode request) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode found = out.putArray("containerInstances");
    ArrayNode failures = out.putArray("failures");
    List<String> refs = new ArrayList<>();
    request.path("containerInstances").forEach(r -> refs.add(r.asText()));
    if (refs.isEmpty()) {
      throw AwsError.invalid("containerInstances cannot be empty.");
    }
    for (String ref : refs) {
      Model.ContainerInstance i = find(cluster, ref);
      if (i == null) {
        failures.addObject().put("arn", ref).put("reason", "MISSING");
      } else {
        found.add(describe(i));
      }
    }
    return out;
  }

  private static Model.ContainerInstance find(Model.Cluster cluster, String ref) {
    for (Model.ContainerInstance i : cluster.containerInstances.values()) {
      if (i.containerInstanceArn.equals(ref)
          || i.containerInstanceArn.endsWith("/" + ref)
          || i.ec2InstanceId.equals(ref)) {
        return i;
      }
    }
    return null;
  }

  private ObjectNode describe(Model.ContainerInstance i) {
    int[] left =
        i.status.equals("ACTIVE") ? Placement.remaining(core, i) : new int[] {i.cpu, i.memory};
    int running = 0;
    int pending = 0;
    for (Model.Task t : core.state().tasks.values()) {
      if (!t.stopped() && i.containerInstanceArn.equals(t.containerInstanceArn)) {
        if ("RUNNING".equals(t.lastStatus)) {
          running++;
        } else {
          pending++;
        }
      }
    }
    ObjectNode o = mapper.createObjectNode();
    o.put("containerInstanceArn", i.containerInstanceArn);
    o.put("ec2InstanceId", i.ec2InstanceId);
    o.put("status", i.status);
    o.put("agentConnected", i.agentConnected);
    o.put("runningTasksCount", running);
    o.put("pendingTasksCount", pending);
    o.put("registeredAt", i.registeredAt);
    resources(o.putArray("registeredResources"), i.cpu, i.memory);
    resources(o.putArray("remainingResources"), left[0], left[1]);
    ArrayNode attributes = o.putArray("attributes");
    i.attributes.forEach(
        (k, v) -> {
          ObjectNode a = attributes.addObject().put("name", k);
          if (v != null) {
            a.put("value", v);
          }
        });
    return o;
  }

  private static void resources(ArrayNode array, int cpu, int memory) {
    array.addObject().put("name", "CPU").put("type", "INTEGER").put("integerValue", cpu);
    array.addObject().put("name", "MEMORY").put("type", "INTEGER").put("integerValue", memory);
  }
}
