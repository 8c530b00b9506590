package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The ECS API actions: each takes the request's JSON and returns the response's JSON, or throws
 * an {@link AwsError}. Every action runs with the core's lock held, so it sees and leaves a
 * consistent state.
 */
final class EcsActions {

  private final LocalEcsCore core;
  private final ObjectMapper mapper;
  private final ContainerInstanceActions instances;

  EcsActions(LocalEcsCore core) {
    this.core = core;
    this.mapper = core.mapper();
    this.instances = new ContainerInstanceActions(core);
  }

  ObjectNode handle(String action, ObjectNode request) {
    synchronized (core) {
      ObjectNode response =
          switch (action) {
            case "CreateCluster" -> createCluster(request);
            case "DescribeClusters" -> describeClusters(request);
            case "ListClusters" -> listClusters();
            case "DeleteCluster" -> deleteCluster(request);
            case "RegisterTaskDefinition" -> registerTaskDefinition(request);
            case "DescribeTaskDefinition" -> describeTaskDefinition(request);
            case "DeregisterTaskDefinition" -> deregisterTaskDefinition(request);
            case "ListTaskDefinitions" -> listTaskDefinitions(request);
            case "ListTaskDefinitionFamilies" -> listTaskDefinitionFamilies(request);
            case "CreateService" -> createService(request);
            case "UpdateService" -> updateService(request);
            case "DescribeServices" -> describeServices(request);
            case "ListServices" -> listServices(request);
            case "DeleteService" -> deleteService(request);
            case "RunTask" -> runTask(request);
            case "DescribeTasks" -> describeTasks(request);
            case "ListTasks" -> listTasks(request);
            case "StopTask" -> stopTask(request);
            case "RegisterContainerInstance" ->
                instances.register(core.cluster(text(request, "cluster")), request);
            case "DeregisterContainerInstance" ->
                instances.deregister(core.cluster(text(request, "cluster")), request);
            case "ListContainerInstances" ->
                instances.list(core.cluster(text(request, "cluster")), request);
            case "DescribeContainerInstances" ->
                instances.describe(core.cluster(text(request, "cluster")), request);
            default -> throw new AwsError(
                "UnknownOperationException",
                "local-ecs does not implement the ECS action '" + action + "'.");
          };
      core.save();
      core.wake();
      return response;
    }
  }

  // --- clusters ---

  private ObjectNode createCluster(ObjectNode request) {
    String name = text(request, "clusterName");
    if (name == null) {
      name = "default";
    }
    if (!name.matches("[A-Za-z0-9_-]{1,255}")) {
      throw AwsError.invalid(
          "Cluster name must be 1-255 letters, numbers, hyphens and underscores (got '"
              + name
              + "').");
    }
    Model.Cluster cluster = core.clusters().get(name);
    if (cluster == null || !cluster.status.equals("ACTIVE")) {
      cluster = new Model.Cluster();
      cluster.clusterName = name;
      cluster.clusterArn = core.arns().cluster(name);
      cluster.settings = request.get("settings");
      cluster.tags = request.get("tags");
      core.clusters().put(name, cluster);
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("cluster", clusterJson(cluster));
    return out;
  }

  private ObjectNode describeClusters(ObjectNode request) {
    List<String> names = strings(request.get("clusters"));
    if (names.isEmpty()) {
      names = List.of("default");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode clusters = out.putArray("clusters");
    ArrayNode failures = out.putArray("failures");
    for (String ref : names) {
      Model.Cluster cluster = core.clusters().get(Arns.clusterName(ref));
      if (cluster == null) {
        failures.add(failure(ref.startsWith("arn:") ? ref : core.arns().cluster(ref), "MISSING"));
      } else {
        core.updateClusterCounts(cluster);
        clusters.add(clusterJson(cluster));
      }
    }
    return out;
  }

  private ObjectNode listClusters() {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode arns = out.putArray("clusterArns");
    for (Model.Cluster c : core.clusters().values()) {
      if (c.status.equals("ACTIVE")) {
        arns.add(c.clusterArn);
      }
    }
    return out;
  }

  private ObjectNode deleteCluster(ObjectNode request) {
    Model.Cluster cluster = core.cluster(required(request, "cluster"));
    for (Model.Service s : cluster.services.values()) {
      if (!s.status.equals("INACTIVE")) {
        throw new AwsError(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.");
      }
    }
    for (Model.Task t : core.state().tasks.values()) {
      if (cluster.clusterArn.equals(t.clusterArn) && !t.stopped()) {
        throw new AwsError(
            "ClusterContainsTasksException",
            "The Cluster cannot be deleted while Tasks are active.");
      }
    }
    cluster.status = "INACTIVE";
    core.clusters().remove(cluster.clusterName);
    ObjectNode out = mapper.createObjectNode();
    out.set("cluster", clusterJson(cluster));
    return out;
  }

  private ObjectNode clusterJson(Model.Cluster cluster) {
    ObjectNode json = mapper.valueToTree(cluster);
    json.remove("services");
    return json;
  }

  // --- task definitions ---

  private ObjectNode registerTaskDefinition(ObjectNode request) {
    ObjectNode def = TaskDefinitions.validate(request);
    String family = def.get("family").asText();
    List<ObjectNode> revisions =
        core.state().taskDefinitions.computeIfAbsent(family, f -> new ArrayList<>());
    int revision = revisions.size() + 1;
    ObjectNode stored = mapper.createObjectNode();
    stored.put("taskDefinitionArn", core.arns().taskDefinition(family, revision));
    stored.setAll(def);
    stored.put("revision", revision);
    stored.put("registeredAt", Model.now());
    stored.put("registeredBy", "arn:aws:iam::" + Arns.ACCOUNT + ":root");
    revisions.add(stored);
    ObjectNode out = mapper.createObjectNode();
    out.set("taskDefinition", stored.deepCopy());
    out.set("tags", request.has("tags") ? request.get("tags") : mapper.createArrayNode());
    return out;
  }

  /** Resolves family, family:revision or an ARN; a family alone means its latest ACTIVE revision. */
  ObjectNode resolveTaskDefinition(String ref) {
    if (ref == null || ref.isBlank()) {
      throw AwsError.invalid("taskDefinition is required.");
    }
    String familyRevision = ref.startsWith("arn:") ? ref.substring(ref.lastIndexOf('/') + 1) : ref;
    int colon = familyRevision.lastIndexOf(':');
    String family = colon < 0 ? familyRevision : familyRevision.substring(0, colon);
    List<ObjectNode> revisions = core.state().taskDefinitions.get(family);
    if (revisions == null) {
      throw AwsError.client("Unable to describe task definition.");
    }
    if (colon < 0) {
      for (int i = revisions.size() - 1; i >= 0; i--) {
        if (revisions.get(i).get("status").asText().equals("ACTIVE")) {
          return revisions.get(i);
        }
      }
      throw AwsError.client("Unable to describe task definition.");
    }
    int revision;
    try {
      revision = Integer.parseInt(familyRevision.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw AwsError.client("Invalid revision number. Number: " + familyRevision.substring(colon + 1));
    }
    if (revision < 1 || revision > revisions.size()) {
      throw AwsError.client("Unable to describe task definition.");
    }
    return revisions.get(revision - 1);
  }

  private ObjectNode describeTaskDefinition(ObjectNode request) {
    ObjectNode def = resolveTaskDefinition(text(request, "taskDefinition"));
    ObjectNode out = mapper.createObjectNode();
    out.set("taskDefinition", def.deepCopy());
    if (strings(request.get("include")).contains("TAGS")) {
      out.putArray("tags");
    }
    return out;
  }

  private ObjectNode deregisterTaskDefinition(ObjectNode request) {
    String ref = required(request, "taskDefinition");
    if (!ref.contains(":") || ref.endsWith(":")) {
      throw AwsError.client(
          "Invalid revision number. A task definition to deregister is given as family:revision"
              + " or an ARN (got '"
              + ref
              + "').");
    }
    ObjectNode def = resolveTaskDefinition(ref);
    def.put("status", "INACTIVE");
    def.put("deregisteredAt", Model.now());
    ObjectNode out = mapper.createObjectNode();
    out.set("taskDefinition", def.deepCopy());
    return out;
  }

  private ObjectNode listTaskDefinitions(ObjectNode request) {
    String prefix = text(request, "familyPrefix");
    String status = request.has("status") ? request.get("status").asText() : "ACTIVE";
    boolean desc = "DESC".equals(text(request, "sort"));
    List<String> arns = new ArrayList<>();
    core.state()
        .taskDefinitions
        .forEach(
            (family, revisions) -> {
              if (prefix != null && !family.equals(prefix)) {
                return;
              }
              for (ObjectNode def : revisions) {
                if (status.equals("ALL") || def.get("status").asText().equals(status)) {
                  arns.add(def.get("taskDefinitionArn").asText());
                }
              }
            });
    if (desc) {
      java.util.Collections.reverse(arns);
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode list = out.putArray("taskDefinitionArns");
    arns.forEach(list::add);
    return out;
  }

  private ObjectNode listTaskDefinitionFamilies(ObjectNode request) {
    String prefix = text(request, "familyPrefix");
    ObjectNode out = mapper.createObjectNode();
    ArrayNode list = out.putArray("families");
    core.state()
        .taskDefinitions
        .keySet()
        .forEach(
            f -> {
              if (prefix == null || f.startsWith(prefix)) {
                list.add(f);
              }
            });
    return out;
  }

  // --- services ---

  private ObjectNode createService(ObjectNode request) {
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
    ObjectNode def = resolveTaskDefinition(required(request, "taskDefinition"));
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
            "The container "
                + container
                + " did not have a container port "
                + port
                + " defined.");
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

  private ObjectNode updateService(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    Model.Service service = service(cluster, text(request, "service"));
    if (!service.status.equals("ACTIVE")) {
      throw new AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
    }
    ObjectNode def = null;
    if (request.has("taskDefinition")) {
      def = resolveTaskDefinition(text(request, "taskDefinition"));
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

  private ObjectNode describeServices(ObjectNode request) {
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
            failure(
                ref.startsWith("arn:") ? ref : core.arns().service(cluster.clusterName, ref),
                "MISSING"));
      } else {
        services.add(mapper.<JsonNode>valueToTree(service));
      }
    }
    return out;
  }

  private ObjectNode listServices(ObjectNode request) {
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

  private ObjectNode deleteService(ObjectNode request) {
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

  // --- tasks ---

  private ObjectNode runTask(ObjectNode request) {
    Model.Cluster cluster = core.cluster(text(request, "cluster"));
    ObjectNode def = resolveTaskDefinition(required(request, "taskDefinition"));
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
              "Override for container named " + o.path("name").asText() + " is not a container in the TaskDefinition.");
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
            Placement.place(core, cluster, def, group, request.get("placementStrategy"),
                request.get("placementConstraints"));
        if (placed.instance() == null) {
          failures.addObject()
              .put("arn", placed.closest() == null ? cluster.clusterArn : placed.closest())
              .put("reason", runTaskReason(placed.reason()));
          continue;
        }
        instance = placed.instance();
      }
      Model.Task task = core.newTask(cluster, def, group);
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

  private ObjectNode describeTasks(ObjectNode request) {
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
            failure(ref.startsWith("arn:") ? ref : core.arns().task(cluster.clusterName, ref), "MISSING"));
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

  private ObjectNode listTasks(ObjectNode request) {
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
      if (family != null
          && !t.taskDefinitionArn.contains("task-definition/" + family + ":")) {
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

  private ObjectNode stopTask(ObjectNode request) {
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

  // --- helpers ---

  private ObjectNode failure(String arn, String reason) {
    ObjectNode f = mapper.createObjectNode();
    f.put("arn", arn);
    f.put("reason", reason);
    return f;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String required(JsonNode node, String field) {
    String v = text(node, field);
    if (v == null || v.isEmpty()) {
      throw AwsError.invalid(field + " is required.");
    }
    return v;
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }
}
