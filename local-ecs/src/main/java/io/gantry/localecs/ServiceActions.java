package io.gantry.localecs;

import static io.gantry.localecs.EcsActions.required;
import static io.gantry.localecs.EcsActions.strings;
import static io.gantry.localecs.EcsActions.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The ECS service actions (CreateService, UpdateService, DescribeServices, ListServices,
 * DeleteService), called by {@link EcsActions} with the core's lock held; the rolling update itself
 * is the {@link ServiceScheduler}'s.
 */
final class ServiceActions {

  private final LocalEcsCore core;
  private final ObjectMapper mapper;
  private final EcsActions ecs;

  ServiceActions(LocalEcsCore core, EcsActions ecs) {
    this.core = core;
    this.mapper = core.mapper();
    this.ecs = ecs;
  }

  ObjectNode createService(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    String name = required(request, "serviceName");
    if (!name.matches("[A-Za-z0-9_-]{1,255}")) {
      throw AwsError.invalid(
          "Service name must be 1-255 letters, numbers, hyphens and underscores (got '"
              + name
              + "').");
    }
    Model.Service existing = cluster.services.get(name);
    if (existing != null && !existing.status.equals("INACTIVE")) {
      throw AwsError.invalid("Creation of service was not idempotent.");
    }
    String controller = request.path("deploymentController").path("type").asText("ECS");
    if (!controller.equals("ECS")) {
      throw AwsError.invalid(
          "local-ecs supports only the ECS (rolling update) deployment controller, not '"
              + controller
              + "'.");
    }
    ObjectNode def = ecs.resolveTaskDefinition(required(request, "taskDefinition"));
    if (!def.get("status").asText().equals("ACTIVE")) {
      throw AwsError.client("TaskDefinition is inactive");
    }
    int desired = request.path("desiredCount").asInt(0);
    if (desired < 0) {
      throw AwsError.invalid("desiredCount must be 0 or more (got " + desired + ").");
    }
    Model.Service service = new Model.Service();
    service.serviceName = name;
    service.serviceArn = core.arns().service(cluster.clusterName, name);
    service.clusterArn = cluster.clusterArn;
    service.desiredCount = desired;
    service.launchType = request.path("launchType").asText("EC2");
    service.taskDefinition = def.get("taskDefinitionArn").asText();
    service.createdAt = Model.now();
    service.networkConfiguration = request.get("networkConfiguration");
    service.tags = request.get("tags");
    service.deploymentController = mapper.createObjectNode().put("type", "ECS");
    if (request.has("healthCheckGracePeriodSeconds")) {
      service.healthCheckGracePeriodSeconds = request.get("healthCheckGracePeriodSeconds").asInt();
    }
    if (request.has("loadBalancers")) {
      request.get("loadBalancers").forEach(service.loadBalancers::add);
      checkLoadBalancers(service, def);
    }
    if (request.has("enableExecuteCommand")) {
      service.enableExecuteCommand = request.get("enableExecuteCommand").asBoolean();
    }
    Placement.validate(request.get("placementStrategy"), request.get("placementConstraints"));
    request.path("placementStrategy").forEach(service.placementStrategy::add);
    request.path("placementConstraints").forEach(service.placementConstraints::add);
    applyDeploymentConfiguration(service, request.get("deploymentConfiguration"));
    Model.Deployment deployment = newDeployment(service);
    service.deployments.add(deployment);
    cluster.services.put(name, service);
    ObjectNode out = mapper.createObjectNode();
    out.set("service", mapper.valueToTree(service));
    return out;
  }

  private void checkLoadBalancers(Model.Service service, ObjectNode def) {
    List<JsonNode> resolved = new ArrayList<>();
    for (JsonNode lb : service.loadBalancers) {
      if (!lb.has("targetGroupArn")) {
        throw AwsError.invalid(
            "loadBalancers[].targetGroupArn is required; local-ecs balances through target groups,"
                + " not Classic Load Balancers (loadBalancerName).");
      }
      Model.TargetGroup group = core.targetGroupOrCreate(lb.get("targetGroupArn").asText());
      if (group == null) {
        throw AwsError.invalid(
            "'" + lb.get("targetGroupArn").asText() + "' is not a target group ARN or name.");
      }
      ObjectNode copy = ((ObjectNode) lb).deepCopy();
      copy.put("targetGroupArn", group.targetGroupArn);
      resolved.add(copy);
      String container = text(lb, "containerName");
      int port = lb.path("containerPort").asInt(0);
      boolean found = false;
      for (JsonNode d : def.get("containerDefinitions")) {
        if (d.get("name").asText().equals(container)) {
          for (JsonNode p : d.path("portMappings")) {
            found |= p.get("containerPort").asInt() == port;
          }
        }
      }
      if (!found) {
        throw AwsError.invalid(
            "The container " + container + " did not have a container port " + port + " defined.");
      }
    }
    service.loadBalancers = resolved;
  }

  private void applyDeploymentConfiguration(Model.Service service, JsonNode config) {
    if (config == null || config.isNull()) {
      return;
    }
    Model.DeploymentConfiguration c = service.deploymentConfiguration;
    int max = config.path("maximumPercent").asInt(c.maximumPercent);
    int min = config.path("minimumHealthyPercent").asInt(c.minimumHealthyPercent);
    if (min < 0 || min > 100) {
      throw AwsError.invalid(
          "deploymentConfiguration.minimumHealthyPercent must be between 0 and 100 (got "
              + min
              + ").");
    }
    if (max < 100 || max > 400) {
      throw AwsError.invalid(
          "deploymentConfiguration.maximumPercent must be between 100 and 400 (got " + max + ").");
    }
    c.maximumPercent = max;
    c.minimumHealthyPercent = min;
    JsonNode breaker = config.get("deploymentCircuitBreaker");
    if (breaker != null) {
      c.deploymentCircuitBreaker.enable = breaker.path("enable").asBoolean(false);
      c.deploymentCircuitBreaker.rollback = breaker.path("rollback").asBoolean(false);
    }
  }

  private Model.Deployment newDeployment(Model.Service service) {
    Model.Deployment d = new Model.Deployment();
    d.id = Arns.deploymentId();
    d.status = "PRIMARY";
    d.taskDefinition = service.taskDefinition;
    d.desiredCount = service.desiredCount;
    d.createdAt = Model.now();
    d.updatedAt = d.createdAt;
    d.launchType = service.launchType;
    d.networkConfiguration = service.networkConfiguration;
    d.rolloutState = "IN_PROGRESS";
    d.rolloutStateReason = "ECS deployment " + d.id + " in progress.";
    return d;
  }

  private Model.Service service(Model.Cluster cluster, String ref) {
    if (ref == null) {
      throw AwsError.invalid("service is required.");
    }
    Model.Service service = cluster.services.get(Arns.lastPart(ref));
    if (service == null) {
      throw AwsError.serviceNotFound();
    }
    return service;
  }

  ObjectNode updateService(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    Model.Service service = service(cluster, text(request, "service"));
    if (!service.status.equals("ACTIVE")) {
      throw new AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
    }
    ObjectNode def = null;
    if (request.has("taskDefinition")) {
      def = ecs.resolveTaskDefinition(text(request, "taskDefinition"));
      if (!def.get("status").asText().equals("ACTIVE")) {
        throw AwsError.client("TaskDefinition is inactive");
      }
    }
    if (request.has("desiredCount")) {
      int desired = request.get("desiredCount").asInt();
      if (desired < 0) {
        throw AwsError.invalid("desiredCount must be 0 or more (got " + desired + ").");
      }
      service.desiredCount = desired;
    }
    applyDeploymentConfiguration(service, request.get("deploymentConfiguration"));
    if (request.has("healthCheckGracePeriodSeconds")) {
      service.healthCheckGracePeriodSeconds = request.get("healthCheckGracePeriodSeconds").asInt();
    }
    if (request.has("loadBalancers")) {
      service.loadBalancers = new ArrayList<>();
      request.get("loadBalancers").forEach(service.loadBalancers::add);
    }
    if (request.has("networkConfiguration")) {
      service.networkConfiguration = request.get("networkConfiguration");
    }
    boolean newTaskDefinition =
        def != null && !def.get("taskDefinitionArn").asText().equals(service.taskDefinition);
    if (def != null && !service.loadBalancers.isEmpty()) {
      checkLoadBalancers(service, def);
    }
    if (newTaskDefinition || request.path("forceNewDeployment").asBoolean(false)) {
      if (def != null) {
        service.taskDefinition = def.get("taskDefinitionArn").asText();
      }
      for (Model.Deployment d : service.deployments) {
        d.status = "ACTIVE";
      }
      service.deployments.add(0, newDeployment(service));
      service.steadySince = 0;
      service.lastLaunchFailure = 0;
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("service", mapper.valueToTree(service));
    return out;
  }

  ObjectNode describeServices(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    ObjectNode out = mapper.createObjectNode();
    ArrayNode services = out.putArray("services");
    ArrayNode failures = out.putArray("failures");
    List<String> refs = strings(request.get("services"));
    if (refs.isEmpty()) {
      throw AwsError.invalid("services can not be empty.");
    }
    for (String ref : refs) {
      Model.Service service = cluster.services.get(Arns.lastPart(ref));
      if (service == null) {
        failures.add(
            ecs.failure(
                ref.startsWith("arn:") ? ref : core.arns().service(cluster.clusterName, ref),
                "MISSING"));
      } else {
        services.add(mapper.<JsonNode>valueToTree(service));
      }
    }
    return out;
  }

  ObjectNode listServices(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    ObjectNode out = mapper.createObjectNode();
    ArrayNode arns = out.putArray("serviceArns");
    for (Model.Service s : cluster.services.values()) {
      if (!s.status.equals("INACTIVE")) {
        arns.add(s.serviceArn);
      }
    }
    return out;
  }

  ObjectNode deleteService(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    Model.Service service = service(cluster, text(request, "service"));
    if (service.status.equals("INACTIVE")) {
      throw new AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
    }
    if (service.desiredCount > 0 && !request.path("force").asBoolean(false)) {
      throw AwsError.invalid(
          "The service cannot be stopped while it is scaled above 0. Set desiredCount to 0 or use"
              + " force.");
    }
    service.desiredCount = 0;
    service.status = "DRAINING";
    for (Model.Task t : core.serviceTasks(cluster, service, false)) {
      core.runner()
          .stop(t, "Service " + service.serviceName + " deleted", "ServiceSchedulerInitiated");
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("service", mapper.valueToTree(service));
    return out;
  }
}
