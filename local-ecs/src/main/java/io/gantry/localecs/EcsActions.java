package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The ECS API actions: each takes the request's JSON and returns the response's JSON, or throws an
 * {@link AwsError}. Every action runs with the core's lock held, so it sees and leaves a consistent
 * state.
 */
final class EcsActions {

  private final LocalEcsCore core;
  private final ObjectMapper mapper;
  private final ContainerInstanceActions instances;
  private final ServiceActions services;
  private final TaskActions tasks;

  EcsActions(LocalEcsCore core) {
    this.core = core;
    this.mapper = core.mapper();
    this.services = new ServiceActions(core, this);
    this.tasks = new TaskActions(core, this);
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
            case "CreateService" -> services.createService(request);
            case "UpdateService" -> services.updateService(request);
            case "DescribeServices" -> services.describeServices(request);
            case "ListServices" -> services.listServices(request);
            case "DeleteService" -> services.deleteService(request);
            case "RunTask" -> tasks.runTask(request);
            case "DescribeTasks" -> tasks.describeTasks(request);
            case "ListTasks" -> tasks.listTasks(request);
            case "StopTask" -> tasks.stopTask(request);
            case "RegisterContainerInstance" ->
                instances.register(core.cluster(text(request, "cluster")), request);
            case "DeregisterContainerInstance" ->
                instances.deregister(core.cluster(text(request, "cluster")), request);
            case "ListContainerInstances" ->
                instances.list(core.cluster(text(request, "cluster")), request);
            case "DescribeContainerInstances" ->
                instances.describe(core.cluster(text(request, "cluster")), request);
            default ->
                throw new AwsError(
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

  /**
   * Resolves family, family:revision or an ARN; a family alone means its latest ACTIVE revision.
   */
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
      throw AwsError.client(
          "Invalid revision number. Number: " + familyRevision.substring(colon + 1));
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

  // --- helpers ---

  ObjectNode failure(String arn, String reason) {
    ObjectNode f = mapper.createObjectNode();
    f.put("arn", arn);
    f.put("reason", reason);
    return f;
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  static String required(JsonNode node, String field) {
    String v = text(node, field);
    if (v == null || v.isEmpty()) {
      throw AwsError.invalid(field + " is required.");
    }
    return v;
  }

  static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }
}
