package io.gantry.localecs;

import static io.gantry.localecs.EcsActions.required;
import static io.gantry.localecs.EcsActions.strings;
import static io.gantry.localecs.EcsActions.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * The ECS task actions (RunTask with placement, DescribeTasks, ListTasks, StopTask), called by
 * {@link EcsActions} with the core's lock held.
 */
final class TaskActions {

  private final LocalEcsCore core;
  private final ObjectMapper mapper;
  private final EcsActions ecs;

  TaskActions(LocalEcsCore core, EcsActions ecs) {
    this.core = core;
    this.mapper = core.mapper();
    this.ecs = ecs;
  }

  ObjectNode runTask(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    ObjectNode def = ecs.resolveTaskDefinition(required(request, "taskDefinition"));
    if (!def.get("status").asText().equals("ACTIVE")) {
      throw AwsError.client("TaskDefinition is inactive");
    }
    int count = request.path("count").asInt(1);
    if (count < 1 || count > 10) {
      throw AwsError.invalid("count must be between 1 and 10 (got " + count + ").");
    }
    JsonNode overrides = request.get("overrides");
    if (overrides != null) {
      for (JsonNode o : overrides.path("containerOverrides")) {
        boolean known = false;
        for (JsonNode d : def.get("containerDefinitions")) {
          known |= d.get("name").asText().equals(o.path("name").asText());
        }
        if (!known) {
          throw AwsError.invalid(
              "Override for container named "
                  + o.path("name").asText()
                  + " is not a container in the TaskDefinition.");
        }
      }
    }
    String group = text(request, "group");
    if (group == null) {
      group = "family:" + def.get("family").asText();
    }
    Placement.validate(request.get("placementStrategy"), request.get("placementConstraints"));
    String launchType = request.path("launchType").asText("EC2");
    ObjectNode out = mapper.createObjectNode();
    ArrayNode tasks = out.putArray("tasks");
    ArrayNode failures = out.putArray("failures");
    for (int i = 0; i < count; i++) {
      Model.ContainerInstance instance = null;
      if (launchType.equals("EC2") && !cluster.containerInstances.isEmpty()) {
        Placement.Result placed =
            Placement.place(
                core,
                cluster,
                def,
                group,
                request.get("placementStrategy"),
                request.get("placementConstraints"));
        if (placed.instance() == null) {
          failures
              .addObject()
              .put("arn", placed.closest() == null ? cluster.clusterArn : placed.closest())
              .put("reason", runTaskReason(placed.reason()));
          continue;
        }
        instance = placed.instance();
      }
      Model.Task task = TaskFactory.newTask(core, cluster, def, group);
      task.startedBy = text(request, "startedBy");
      task.launchType = launchType;
      if (instance != null) {
        task.containerInstanceArn = instance.containerInstanceArn;
        task.availabilityZone = instance.attributes.get("ecs.availability-zone");
      }
      task.tags = request.get("tags");
      if (overrides != null) {
        ObjectNode o = overrides.deepCopy();
        if (!o.has("containerOverrides")) {
          o.putArray("containerOverrides");
        }
        if (!o.has("inferenceAcceleratorOverrides")) {
          o.putArray("inferenceAcceleratorOverrides");
        }
        task.overrides = o;
      }
      core.launch(task);
      tasks.add(mapper.<JsonNode>valueToTree(task));
    }
    return out;
  }

  /** RunTask's failure reasons, as ECS words them. */
  private static String runTaskReason(String placement) {
    if (placement.startsWith("insufficient memory")) {
      return "RESOURCE:MEMORY";
    }
    if (placement.startsWith("insufficient CPU")) {
      return "RESOURCE:CPU";
    }
    return placement;
  }

  ObjectNode describeTasks(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    List<String> refs = strings(request.get("tasks"));
    if (refs.isEmpty()) {
      throw AwsError.invalid("Tasks cannot be empty.");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode tasks = out.putArray("tasks");
    ArrayNode failures = out.putArray("failures");
    for (String ref : refs) {
      Model.Task task = findTask(cluster, ref);
      if (task == null) {
        failures.add(
            ecs.failure(
                ref.startsWith("arn:") ? ref : core.arns().task(cluster.clusterName, ref),
                "MISSING"));
      } else {
        tasks.add(mapper.<JsonNode>valueToTree(task));
      }
    }
    return out;
  }

  Model.Task findTask(Model.Cluster cluster, String ref) {
    String id = Arns.lastPart(ref);
    Model.Task task = core.state().tasks.get(core.arns().task(cluster.clusterName, id));
    return task;
  }

  ObjectNode listTasks(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    String family = text(request, "family");
    String serviceName = text(request, "serviceName");
    String startedBy = text(request, "startedBy");
    String desired = request.has("desiredStatus") ? text(request, "desiredStatus") : "RUNNING";
    if (!Set.of("RUNNING", "PENDING", "STOPPED").contains(desired)) {
      throw AwsError.invalid("desiredStatus must be RUNNING, PENDING or STOPPED.");
    }
    if (serviceName != null && !cluster.services.containsKey(Arns.lastPart(serviceName))) {
      throw AwsError.serviceNotFound();
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode arns = out.putArray("taskArns");
    for (Model.Task t : core.state().tasks.values()) {
      if (!cluster.clusterArn.equals(t.clusterArn)) {
        continue;
      }
      if (serviceName != null && !("service:" + Arns.lastPart(serviceName)).equals(t.group)) {
        continue;
      }
      if (family != null && !t.taskDefinitionArn.contains("task-definition/" + family + ":")) {
        continue;
      }
      if (startedBy != null && !startedBy.equals(t.startedBy)) {
        continue;
      }
      String status = desired.equals("PENDING") ? "RUNNING" : desired;
      if (!status.equals(t.desiredStatus)) {
        continue;
      }
      if (desired.equals("PENDING") && "RUNNING".equals(t.lastStatus)) {
        continue;
      }
      arns.add(t.taskArn);
    }
    return out;
  }

  ObjectNode stopTask(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    String ref = required(request, "task");
    Model.Task task = findTask(cluster, ref);
    if (task == null) {
      throw AwsError.invalid("The referenced task was not found.");
    }
    String reason = text(request, "reason");
    core.runner().stop(task, reason == null ? "Task stopped by user" : reason, "UserInitiated");
    ObjectNode out = mapper.createObjectNode();
    out.set("task", mapper.valueToTree(task));
    return out;
  }
}
