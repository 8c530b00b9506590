package io.gantry.localecs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * local-ecs's state, shaped as ECS returns it: each object serializes to the JSON of the matching
 * ECS API type, so a describe call writes it out as is. The same JSON is what {@link StateStore}
 * persists; fields marked {@link JsonIgnore} are runtime bookkeeping rebuilt after a restart.
 * Timestamps are epoch seconds, as in the AWS JSON protocol. Guarded by the {@link LocalEcsCore}
 * lock.
 */
final class Model {

  private Model() {}

  static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  /** Everything persisted. */
  static final class State {
    public Map<String, Cluster> clusters = new LinkedHashMap<>();

    /** family → revisions in order (revision n at index n-1). */
    public Map<String, List<ObjectNode>> taskDefinitions = new LinkedHashMap<>();

    public Map<String, Task> tasks = new LinkedHashMap<>();
    public Map<String, Repository> repositories = new LinkedHashMap<>();
    public Map<String, TargetGroup> targetGroups = new LinkedHashMap<>();

    /** Application Auto Scaling: resourceId ({@code service/CLUSTER/NAME}) → scalable target. */
    public Map<String, ScalableTarget> scalableTargets = new LinkedHashMap<>();

    /** Application Auto Scaling's activities, newest first (bounded). */
    public List<ScalingActivity> scalingActivities = new ArrayList<>();

    /** CloudWatch: a metric's key (namespace|name|dimensions) → its current value. */
    public Map<String, Double> metrics = new LinkedHashMap<>();

    /** CloudWatch alarms by name (step scaling's triggers). */
    public Map<String, MetricAlarm> alarms = new LinkedHashMap<>();

    public long sequence = 1;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class Cluster {
    public String clusterArn;
    public String clusterName;
    public String status = "ACTIVE";
    public int registeredContainerInstancesCount;
    public int runningTasksCount;
    public int pendingTasksCount;
    public int activeServicesCount;
    public JsonNode settings;
    public JsonNode tags;
    public List<String> capacityProviders = new ArrayList<>();
    public List<JsonNode> statistics = new ArrayList<>();

    /** containerInstanceArn → instance (EC2 launch type capacity; none: tasks run anywhere). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public Map<String, ContainerInstance> containerInstances = new LinkedHashMap<>();

    /** serviceName → service, ACTIVE and DRAINING ones. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public Map<String, Service> services = new LinkedHashMap<>();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class Service {
    public String serviceArn;
    public String serviceName;
    public String clusterArn;
    public List<JsonNode> loadBalancers = new ArrayList<>();
    public List<JsonNode> serviceRegistries = new ArrayList<>();
    public String status = "ACTIVE";
    public int desiredCount;
    public int runningCount;
    public int pendingCount;
    public String launchType;
    public String platformVersion;
    public String taskDefinition;
    public DeploymentConfiguration deploymentConfiguration = new DeploymentConfiguration();
    public List<Deployment> deployments = new ArrayList<>();
    public List<Event> events = new ArrayList<>();
    public double createdAt;
    public String createdBy = "arn:aws:iam::" + Arns.ACCOUNT + ":root";
    public List<JsonNode> placementConstraints = new ArrayList<>();
    public List<JsonNode> placementStrategy = new ArrayList<>();
    public JsonNode networkConfiguration;
    public Integer healthCheckGracePeriodSeconds;
    public String schedulingStrategy = "REPLICA";
    public JsonNode deploymentController;
    public JsonNode tags;
    public boolean enableECSManagedTags;
    public String propagateTags = "NONE";
    public boolean enableExecuteCommand;

    /** When the service last became steady (runtime only). */
    @JsonIgnore double steadySince;

    /** When the last task of this service failed to launch (runtime only, for back-off). */
    @JsonIgnore double lastLaunchFailure;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class DeploymentConfiguration {
    public CircuitBreaker deploymentCircuitBreaker = new CircuitBreaker();
    public int maximumPercent = 200;
    public int minimumHealthyPercent = 100;
  }

  static final class CircuitBreaker {
    public boolean enable;
    public boolean rollback;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class Deployment {
    public String id;
    public String status;
    public String taskDefinition;
    public int desiredCount;
    public int pendingCount;
    public int runningCount;
    public int failedTasks;
    public double createdAt;
    public double updatedAt;
    public String launchType;
    public String platformVersion;
    public JsonNode networkConfiguration;
    public String rolloutState;
    public String rolloutStateReason;
  }

  static final class Event {
    public String id;
    public double createdAt;
    public String message;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class Task {
    public String taskArn;
    public String clusterArn;
    public String taskDefinitionArn;
    public JsonNode overrides;
    public String lastStatus;
    public String desiredStatus;
    public String cpu;
    public String memory;
    public List<Container> containers = new ArrayList<>();
    public String startedBy;
    public long version = 1;
    public String stoppedReason;
    public String stopCode;
    public String connectivity;
    public Double connectivityAt;
    public Double pullStartedAt;
    public Double pullStoppedAt;
    public double createdAt;
    public Double startedAt;
    public Double stoppingAt;
    public Double stoppedAt;
    public Double executionStoppedAt;
    public String group;
    public String launchType;
    public String healthStatus = "UNKNOWN";
    public JsonNode tags;
    public List<JsonNode> attachments = new ArrayList<>();
    public String availabilityZone = "us-east-1a";
    public String containerInstanceArn;

    @JsonIgnore
    String id() {
      return Arns.lastPart(taskArn);
    }

    @JsonIgnore
    boolean stopped() {
      return "STOPPED".equals(lastStatus);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class Container {
    public String containerArn;
    public String taskArn;
    public String name;
    public String image;
    public String imageDigest;
    public String runtimeId;
    public String lastStatus;
    public Integer exitCode;
    public String reason;
    public List<NetworkBinding> networkBindings = new ArrayList<>();
    public List<JsonNode> networkInterfaces;
    public String healthStatus;
    public String cpu;
    public String memory;
  }

  /** A container instance: CPU units and MiB of memory tasks reserve, and attributes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class ContainerInstance {
    public String containerInstanceArn;
    public String ec2InstanceId;
    public String status = "ACTIVE";
    public boolean agentConnected = true;
    public int cpu;
    public int memory;

    /** name → value; ecs.availability-zone among them. */
    public Map<String, String> attributes = new LinkedHashMap<>();

    public double registeredAt;
  }

  /** An ECR repository (the images themselves live in the local registry). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class Repository {
    public String repositoryArn;
    public String registryId = Arns.ACCOUNT;
    public String repositoryName;
    public String repositoryUri;
    public double createdAt;
    public String imageTagMutability = "MUTABLE";
    public JsonNode imageScanningConfiguration;
    public JsonNode encryptionConfiguration;
  }

  /** An ELBv2 target group: where the local load balancer listens and how it checks targets. */
  static final class TargetGroup {
    public String targetGroupArn;
    public String targetGroupName;
    public String protocol = "HTTP";

    /** The listener's port on 127.0.0.1; 0 until one is allocated. */
    public int port;

    public String healthCheckPath = "/";
    public int healthCheckIntervalSeconds = 30;
    public int healthCheckTimeoutSeconds = 5;
    public int healthyThresholdCount = 5;
    public int unhealthyThresholdCount = 2;
    public String matcher = "200";
    public int deregistrationDelaySeconds = 300;
    public double createdAt;
  }

  static final class NetworkBinding {
    public String bindIP = "127.0.0.1";
    public int containerPort;
    public int hostPort;
    public String protocol = "tcp";
  }

  /** An ECS service registered with Application Auto Scaling, and its policies. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class ScalableTarget {
    public String resourceId;
    public String scalableDimension = "ecs:service:DesiredCount";
    public int minCapacity;
    public int maxCapacity;
    public String roleARN;
    public double creationTime;
    public boolean dynamicScalingInSuspended;
    public boolean dynamicScalingOutSuspended;
    public boolean scheduledScalingSuspended;

    /** policyName → policy. */
    public Map<String, ScalingPolicy> policies = new LinkedHashMap<>();

    /** When a scale-out and a scale-in last changed the desired count (0: never). */
    public double lastScaleOut;

    public double lastScaleIn;
  }

  /** A scaling policy; its configuration kept as given (Application Auto Scaling's JSON). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class ScalingPolicy {
    public String policyARN;
    public String policyName;
    public String policyType;
    public JsonNode targetTrackingScalingPolicyConfiguration;
    public JsonNode stepScalingPolicyConfiguration;
    public List<JsonNode> alarms = new ArrayList<>();
    public double creationTime;

    /** Consecutive metric periods above the target, and below 90 % of it (runtime only). */
    @JsonIgnore int highPeriods;

    @JsonIgnore int lowPeriods;

    /** When a step scaling policy last changed the capacity (runtime only). */
    @JsonIgnore double lastStepAt;

    /** The last value of the policy's metric, NaN when it had no data (runtime only). */
    @JsonIgnore double lastValue = Double.NaN;
  }

  /** One change (or attempted change) of a scalable target's capacity. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class ScalingActivity {
    public String activityId;
    public String resourceId;
    public String scalableDimension = "ecs:service:DesiredCount";
    public String description;
    public String cause;
    public double startTime;
    public Double endTime;
    public String statusCode;
    public String statusMessage;
  }

  /** A CloudWatch alarm on a metric set with PutMetricData. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  static final class MetricAlarm {
    public String alarmName;
    public String alarmArn;
    public String namespace;
    public String metricName;
    public Map<String, String> dimensions = new LinkedHashMap<>();
    public double threshold;
    public String comparisonOperator;
    public int evaluationPeriods;
    public List<String> alarmActions = new ArrayList<>();
    public String stateValue = "INSUFFICIENT_DATA";

    /** Consecutive breaching periods (runtime only). */
    @JsonIgnore int breaches;
  }
}
