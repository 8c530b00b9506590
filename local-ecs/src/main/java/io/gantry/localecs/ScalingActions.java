package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Application Auto Scaling API subset for ECS services ({@code AnyScaleFrontendService.*}, JSON
 * 1.1): RegisterScalableTarget, DeregisterScalableTarget, DescribeScalableTargets, PutScalingPolicy
 * (target tracking on the three ECS predefined metrics; step scaling, run by the CloudWatch alarms
 * of {@link CloudWatchActions}), DeleteScalingPolicy, DescribeScalingPolicies,
 * DescribeScalingActivities. Errors in its types ({@code ValidationException}, {@code
 * ObjectNotFoundException}) and words. Runs with the core's lock held; {@link AutoScaler} acts on
 * what is registered here.
 */
final class ScalingActions {

  static final String PREFIX = "AnyScaleFrontendService.";
  static final String DIMENSION = "ecs:service:DesiredCount";
  static final Set<String> METRICS =
      Set.of(
          "ECSServiceAverageCPUUtilization",
          "ECSServiceAverageMemoryUtilization",
          "ALBRequestCountPerTarget");
  private static final String ROLE =
      "arn:aws:iam::"
          + Arns.ACCOUNT
          + ":role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
          + "AWSServiceRoleForApplicationAutoScaling_ECSService";

  private final LocalEcsCore core;
  private final ObjectMapper mapper;

  ScalingActions(LocalEcsCore core) {
    this.core = core;
    this.mapper = core.mapper();
  }

  ObjectNode handle(String action, ObjectNode request) {
    synchronized (core) {
      ObjectNode response =
          switch (action) {
            case "RegisterScalableTarget" -> register(request);
            case "DeregisterScalableTarget" -> deregister(request);
            case "DescribeScalableTargets" -> describeTargets(request);
            case "PutScalingPolicy" -> putPolicy(request);
            case "DeleteScalingPolicy" -> deletePolicy(request);
            case "DescribeScalingPolicies" -> describePolicies(request);
            case "DescribeScalingActivities" -> describeActivities(request);
            default ->
                throw new AwsError(
                    "UnknownOperationException",
                    "local-ecs does not implement the Application Auto Scaling action '"
                        + action
                        + "'.");
          };
      core.wake();
      return response;
    }
  }

  private ObjectNode register(ObjectNode request) {
    String resourceId = resource(request);
    Model.Service service = service(resourceId);
    Model.ScalableTarget target = core.state().scalableTargets.get(resourceId);
    boolean created = target == null;
    if (created && (!request.has("MinCapacity") || !request.has("MaxCapacity"))) {
      throw validation(
          "MinCapacity and MaxCapacity are required to register a new scalable target ("
              + resourceId
              + ").");
    }
    int min = request.has("MinCapacity") ? request.get("MinCapacity").asInt() : target.minCapacity;
    int max = request.has("MaxCapacity") ? request.get("MaxCapacity").asInt() : target.maxCapacity;
    if (min < 0 || max < 0) {
      throw validation("MinCapacity and MaxCapacity must be 0 or more (got " + min + ", " + max);
    }
    if (min > max) {
      throw validation("Minimum capacity cannot be greater than maximum capacity");
    }
    if (created) {
      target = new Model.ScalableTarget();
      target.resourceId = resourceId;
      target.creationTime = Model.now();
      target.roleARN = request.path("RoleARN").asText(ROLE);
      core.state().scalableTargets.put(resourceId, target);
    }
    target.minCapacity = min;
    target.maxCapacity = max;
    JsonNode suspended = request.path("SuspendedState");
    if (suspended.isObject()) {
      target.dynamicScalingInSuspended =
          suspended.path("DynamicScalingInSuspended").asBoolean(target.dynamicScalingInSuspended);
      target.dynamicScalingOutSuspended =
          suspended.path("DynamicScalingOutSuspended").asBoolean(target.dynamicScalingOutSuspended);
      target.scheduledScalingSuspended =
          suspended.path("ScheduledScalingSuspended").asBoolean(target.scheduledScalingSuspended);
    }
    int current = service.desiredCount;
    int bounded = Math.max(min, Math.min(max, current));
    if (bounded != current) {
      AutoScaler.setDesired(
          core,
          target,
          service,
          bounded,
          (bounded > current ? "minimum" : "maximum")
              + " capacity was set to "
              + (bounded > current ? min : max),
          null);
    }
    ObjectNode out = mapper.createObjectNode();
    out.put(
        "ScalableTargetARN",
        "arn:aws:application-autoscaling:"
            + core.arns().region()
            + ":"
            + Arns.ACCOUNT
            + ":scalable-target/"
            + Integer.toHexString(resourceId.hashCode()));
    return out;
  }

  private ObjectNode deregister(ObjectNode request) {
    String resourceId = resource(request);
    if (core.state().scalableTargets.remove(resourceId) == null) {
      throw notRegistered(resourceId);
    }
    return mapper.createObjectNode();
  }

  private ObjectNode describeTargets(ObjectNode request) {
    namespace(request);
    dimensionFilter(request);
    Set<String> ids = names(request.path("ResourceIds"));
    ArrayNode list = mapper.createArrayNode();
    for (Model.ScalableTarget t : core.state().scalableTargets.values()) {
      if (!ids.isEmpty() && !ids.contains(t.resourceId)) {
        continue;
      }
      ObjectNode o = list.addObject();
      o.put("ServiceNamespace", "ecs");
      o.put("ResourceId", t.resourceId);
      o.put("ScalableDimension", DIMENSION);
      o.put("MinCapacity", t.minCapacity);
      o.put("MaxCapacity", t.maxCapacity);
      o.put("RoleARN", t.roleARN);
      o.put("CreationTime", t.creationTime);
      ObjectNode s = o.putObject("SuspendedState");
      s.put("DynamicScalingInSuspended", t.dynamicScalingInSuspended);
      s.put("DynamicScalingOutSuspended", t.dynamicScalingOutSuspended);
      s.put("ScheduledScalingSuspended", t.scheduledScalingSuspended);
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("ScalableTargets", list);
    return out;
  }

  private ObjectNode putPolicy(ObjectNode request) {
    String resourceId = resource(request);
    String name = request.path("PolicyName").asText("");
    if (name.isEmpty() || name.length() > 256 || name.contains(":")) {
      throw validation("PolicyName must be 1 to 256 characters without ':' (got '" + name + "').");
    }
    Model.ScalableTarget target = core.state().scalableTargets.get(resourceId);
    if (target == null) {
      throw notRegistered(resourceId);
    }
    Model.Service service = service(resourceId);
    String type = request.path("PolicyType").asText("StepScaling");
    if (!type.equals("TargetTrackingScaling") && !type.equals("StepScaling")) {
      throw validation(
          "1 validation error detected: Value '"
              + type
              + "' at 'policyType' failed to satisfy constraint: Member must satisfy enum value"
              + " set: [StepScaling, TargetTrackingScaling]");
    }
    boolean tracking = type.equals("TargetTrackingScaling");
    String configName =
        tracking ? "TargetTrackingScalingPolicyConfiguration" : "StepScalingPolicyConfiguration";
    JsonNode config = request.path(configName);
    if (!config.isObject()) {
      throw validation(configName + " is required for a " + type + " policy.");
    }
    if (tracking) {
      checkTargetTracking(config, service);
    } else {
      checkSteps(config);
    }
    Model.ScalingPolicy policy = target.policies.get(name);
    if (policy != null && !policy.policyType.equals(type)) {
      throw validation(
          "Policy "
              + name
              + " is a "
              + policy.policyType
              + " policy; delete it to change its type.");
    }
    if (policy == null) {
      policy = new Model.ScalingPolicy();
      policy.policyName = name;
      policy.creationTime = Model.now();
      policy.policyARN =
          "arn:aws:autoscaling:"
              + core.arns().region()
              + ":"
              + Arns.ACCOUNT
              + ":scalingPolicy:"
              + Arns.uuid()
              + ":resource/ecs/"
              + resourceId
              + ":policyName/"
              + name;
      for (String level : tracking ? List.of("AlarmHigh", "AlarmLow") : List.<String>of()) {
        String alarm = "TargetTracking-" + resourceId + "-" + level + "-" + Arns.uuid();
        ObjectNode a = mapper.createObjectNode();
        a.put("AlarmName", alarm);
        a.put(
            "AlarmARN",
            "arn:aws:cloudwatch:" + core.arns().region() + ":" + Arns.ACCOUNT + ":alarm:" + alarm);
        policy.alarms.add(a);
      }
      target.policies.put(name, policy);
    }
    policy.policyType = type;
    if (tracking) {
      policy.targetTrackingScalingPolicyConfiguration = config.deepCopy();
    } else {
      policy.stepScalingPolicyConfiguration = config.deepCopy();
    }
    policy.highPeriods = 0;
    policy.lowPeriods = 0;
    ObjectNode out = mapper.createObjectNode();
    out.put("PolicyARN", policy.policyARN);
    out.set("Alarms", mapper.valueToTree(policy.alarms));
    return out;
  }

  private void checkTargetTracking(JsonNode config, Model.Service service) {
    JsonNode value = config.path("TargetValue");
    if (!value.isNumber() || value.asDouble() <= 0) {
      throw validation("TargetValue must be a number greater than 0 (got " + value + ").");
    }
    if (config.has("CustomizedMetricSpecification")) {
      throw validation(
          "local-ecs measures the predefined metrics only ("
              + String.join(", ", new java.util.TreeSet<>(METRICS))
              + "), not a CustomizedMetricSpecification.");
    }
    JsonNode predefined = config.path("PredefinedMetricSpecification");
    String metric = predefined.path("PredefinedMetricType").asText("");
    if (metric.isEmpty()) {
      throw validation(
          "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be"
              + " specified.");
    }
    if (!METRICS.contains(metric)) {
      throw validation(
          "Predefined metric type "
              + metric
              + " is not supported for service namespace ecs; use one of "
              + String.join(", ", new java.util.TreeSet<>(METRICS))
              + ".");
    }
    for (String cooldown : List.of("ScaleOutCooldown", "ScaleInCooldown")) {
      if (config.has(cooldown) && config.get(cooldown).asInt() < 0) {
        throw validation(cooldown + " must be 0 or more (got " + config.get(cooldown) + ").");
      }
    }
    String label = predefined.path("ResourceLabel").asText("");
    if (metric.equals("ALBRequestCountPerTarget")) {
      if (label.isEmpty()) {
        throw validation(
            "ResourceLabel is required for the predefined metric type ALBRequestCountPerTarget:"
                + " app/LOAD_BALANCER_NAME/ID/targetgroup/TARGET_GROUP_NAME/ID.");
      }
      if (AutoScaler.targetGroupOf(core, service, label) == null) {
        throw validation(
            "ResourceLabel '"
                + label
                + "' names no target group of "
                + service.serviceArn
                + "; its form is app/LOAD_BALANCER_NAME/ID/targetgroup/TARGET_GROUP_NAME/ID with"
                + " the target group of the service's loadBalancers.");
      }
    } else if (!label.isEmpty()) {
      throw validation("ResourceLabel is only valid with ALBRequestCountPerTarget.");
    }
  }

  private static void checkSteps(JsonNode config) {
    String type = config.path("AdjustmentType").asText("");
    if (!Set.of("ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity").contains(type)) {
      throw validation(
          "AdjustmentType must be ChangeInCapacity, PercentChangeInCapacity or ExactCapacity (got '"
              + type
              + "').");
    }
    JsonNode steps = config.path("StepAdjustments");
    if (!steps.isArray() || steps.isEmpty()) {
      throw validation("StepAdjustments must have at least one step adjustment.");
    }
    for (JsonNode step : steps) {
      if (!step.path("ScalingAdjustment").isInt()) {
        throw validation("Each step adjustment needs an integer ScalingAdjustment: " + step);
      }
      if (!step.has("MetricIntervalLowerBound")
          && !step.has("MetricIntervalUpperBound")
          && steps.size() > 1) {
        throw validation(
            "Only a single step adjustment may have neither MetricIntervalLowerBound nor"
                + " MetricIntervalUpperBound: "
                + step);
      }
      if (step.has("MetricIntervalLowerBound")
          && step.has("MetricIntervalUpperBound")
          && step.get("MetricIntervalLowerBound").asDouble()
              >= step.get("MetricIntervalUpperBound").asDouble()) {
        throw validation(
            "MetricIntervalLowerBound must be below MetricIntervalUpperBound: " + step);
      }
    }
  }

  private ObjectNode deletePolicy(ObjectNode request) {
    String resourceId = resource(request);
    String name = request.path("PolicyName").asText("");
    Model.ScalableTarget target = core.state().scalableTargets.get(resourceId);
    if (target == null || target.policies.remove(name) == null) {
      throw new AwsError(
          "ObjectNotFoundException",
          "No scaling policy found for service namespace: ecs, resource ID: "
              + resourceId
              + ", scalable dimension: "
              + DIMENSION
              + ", policy name: "
              + name);
    }
    return mapper.createObjectNode();
  }

  private ObjectNode describePolicies(ObjectNode request) {
    namespace(request);
    dimensionFilter(request);
    Set<String> names = names(request.path("PolicyNames"));
    String resourceId = request.path("ResourceId").asText("");
    ArrayNode list = mapper.createArrayNode();
    for (Model.ScalableTarget t : core.state().scalableTargets.values()) {
      if (!resourceId.isEmpty() && !resourceId.equals(t.resourceId)) {
        continue;
      }
      for (Model.ScalingPolicy p : t.policies.values()) {
        if (!names.isEmpty() && !names.contains(p.policyName)) {
          continue;
        }
        ObjectNode o = list.addObject();
        o.put("PolicyARN", p.policyARN);
        o.put("PolicyName", p.policyName);
        o.put("ServiceNamespace", "ecs");
        o.put("ResourceId", t.resourceId);
        o.put("ScalableDimension", DIMENSION);
        o.put("PolicyType", p.policyType);
        if (p.targetTrackingScalingPolicyConfiguration != null) {
          o.set(
              "TargetTrackingScalingPolicyConfiguration",
              p.targetTrackingScalingPolicyConfiguration);
        }
        if (p.stepScalingPolicyConfiguration != null) {
          o.set("StepScalingPolicyConfiguration", p.stepScalingPolicyConfiguration);
        }
        o.set("Alarms", mapper.valueToTree(p.alarms));
        o.put("CreationTime", p.creationTime);
      }
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("ScalingPolicies", list);
    return out;
  }

  private ObjectNode describeActivities(ObjectNode request) {
    namespace(request);
    dimensionFilter(request);
    String resourceId = request.path("ResourceId").asText("");
    ArrayNode list = mapper.createArrayNode();
    for (Model.ScalingActivity a : core.state().scalingActivities) {
      if (!resourceId.isEmpty() && !resourceId.equals(a.resourceId)) {
        continue;
      }
      ObjectNode o = list.addObject();
      o.put("ActivityId", a.activityId);
      o.put("ServiceNamespace", "ecs");
      o.put("ResourceId", a.resourceId);
      o.put("ScalableDimension", DIMENSION);
      o.put("Description", a.description);
      o.put("Cause", a.cause);
      o.put("StartTime", a.startTime);
      if (a.endTime != null) {
        o.put("EndTime", a.endTime);
      }
      o.put("StatusCode", a.statusCode);
      o.put("StatusMessage", a.statusMessage);
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("ScalingActivities", list);
    return out;
  }

  // --- request checks ---

  private static void namespace(ObjectNode request) {
    String namespace = request.path("ServiceNamespace").asText("");
    if (!namespace.equals("ecs")) {
      throw validation(
          "local-ecs scales ECS services only: ServiceNamespace must be 'ecs' (got '"
              + namespace
              + "').");
    }
  }

  private static void dimensionFilter(ObjectNode request) {
    String dimension = request.path("ScalableDimension").asText(DIMENSION);
    if (!dimension.equals(DIMENSION)) {
      throw validation(
          "Unsupported scalable dimension "
              + dimension
              + " for service namespace ecs; use "
              + DIMENSION
              + ".");
    }
  }

  /** The request's ResourceId, checked to be an ECS service's: {@code service/CLUSTER/NAME}. */
  private static String resource(ObjectNode request) {
    namespace(request);
    if (!request.has("ScalableDimension")) {
      throw validation("ScalableDimension is required (" + DIMENSION + ").");
    }
    dimensionFilter(request);
    String resourceId = request.path("ResourceId").asText("");
    String[] parts = resourceId.split("/", -1);
    if (parts.length != 3
        || !parts[0].equals("service")
        || parts[1].isEmpty()
        || parts[2].isEmpty()) {
      throw validation(
          "Unsupported service namespace, resource type or scalable dimension: ResourceId '"
              + resourceId
              + "' must be service/CLUSTER_NAME/SERVICE_NAME for ECS.");
    }
    return resourceId;
  }

  /** The ACTIVE service a resource id names. */
  private Model.Service service(String resourceId) {
    String[] parts = resourceId.split("/");
    Model.Cluster cluster = core.clusters().get(parts[1]);
    Model.Service service = cluster == null ? null : cluster.services.get(parts[2]);
    if (service == null || !service.status.equals("ACTIVE")) {
      throw validation("ECS service doesn't exist: " + resourceId);
    }
    return service;
  }

  private static Set<String> names(JsonNode array) {
    Set<String> out = new java.util.HashSet<>();
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    items.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static AwsError validation(String message) {
    return new AwsError("ValidationException", message);
  }

  private static AwsError notRegistered(String resourceId) {
    return new AwsError(
        "ObjectNotFoundException",
        "No scalable target registered for service namespace: ecs, resource ID: "
            + resourceId
            + ", scalable dimension: "
            + DIMENSION);
  }
}
