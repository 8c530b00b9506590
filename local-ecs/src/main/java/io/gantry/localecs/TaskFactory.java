package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Creates tasks in the model (PROVISIONING, with their containers and ARNs) for RunTask and for
 * services' deployments, placing a service's task on a container instance when its cluster has
 * some. Callers hold the core's lock.
 */
final class TaskFactory {

  private TaskFactory() {}

  /**
   * Creates a task of the deployment and starts launching it; null (with ECS's event) when its
   * cluster has container instances and none can take it.
   */
  static Model.Task startServiceTask(
      LocalEcsCore core,
      Model.Cluster cluster,
      Model.Service service,
      Model.Deployment deployment) {
    ObjectNode def = core.taskDefinition(deployment.taskDefinition);
    Model.ContainerInstance instance = null;
    if (!"FARGATE".equals(deployment.launchType) && !cluster.containerInstances.isEmpty()) {
      Placement.Result placed =
          Placement.place(
              core,
              cluster,
              def,
              "service:" + service.serviceName,
              core.mapper().valueToTree(service.placementStrategy),
              core.mapper().valueToTree(service.placementConstraints));
      if (placed.instance() == null) {
        String message =
            "(service "
                + service.serviceName
                + ") was unable to place a task because no container"
                + " instance met all of its requirements."
                + (placed.closest() == null
                    ? ""
                    : " The closest matching (container-instance "
                        + placed.closest()
                        + ") "
                        + (placed.reason().startsWith("insufficient")
                            ? "has " + placed.reason() + "."
                            : "does not satisfy: " + placed.reason()))
                + " For more information, see the Troubleshooting section of the Amazon ECS"
                + " Developer Guide.";
        if (service.events.isEmpty() || !service.events.get(0).message.equals(message)) {
          core.event(service, message);
        }
        return null;
      }
      instance = placed.instance();
    }
    Model.Task task = newTask(core, cluster, def, "service:" + service.serviceName);
    task.startedBy = deployment.id;
    task.launchType = deployment.launchType;
    if (instance != null) {
      task.containerInstanceArn = instance.containerInstanceArn;
      task.availabilityZone = instance.attributes.get("ecs.availability-zone");
    }
    core.launch(task);
    return task;
  }

  static Model.Task newTask(
      LocalEcsCore core, Model.Cluster cluster, ObjectNode def, String group) {
    Model.Task task = new Model.Task();
    String id = Arns.hex(16);
    task.taskArn = core.arns().task(cluster.clusterName, id);
    task.clusterArn = cluster.clusterArn;
    task.taskDefinitionArn = def.get("taskDefinitionArn").asText();
    task.lastStatus = "PROVISIONING";
    task.desiredStatus = "RUNNING";
    task.createdAt = Model.now();
    task.group = group;
    task.cpu = def.has("cpu") ? def.get("cpu").asText() : null;
    task.memory = def.has("memory") ? def.get("memory").asText() : null;
    task.launchType = "EC2";
    task.connectivity = null;
    ObjectNode overrides = core.mapper().createObjectNode();
    overrides.putArray("containerOverrides");
    overrides.putArray("inferenceAcceleratorOverrides");
    task.overrides = overrides;
    for (JsonNode d : def.get("containerDefinitions")) {
      Model.Container c = new Model.Container();
      c.name = d.get("name").asText();
      c.image = d.get("image").asText();
      c.taskArn = task.taskArn;
      c.containerArn = core.arns().container(cluster.clusterName, id);
      c.lastStatus = "PENDING";
      c.cpu = d.path("cpu").asText("0");
      if (d.has("memory")) {
        c.memory = d.get("memory").asText();
      }
      task.containers.add(c);
    }
    return task;
  }
}
