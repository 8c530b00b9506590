package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates a RegisterTaskDefinition request as ECS does and turns it into the stored task
 * definition (ECS's defaults filled in). Every problem is an {@link AwsError} whose message names
 * the field, in ECS's words where ECS has words for it.
 */
final class TaskDefinitions {

  private TaskDefinitions() {}

  static final Set<String> REQUEST_FIELDS =
      Set.of(
          "family",
          "taskRoleArn",
          "executionRoleArn",
          "networkMode",
          "containerDefinitions",
          "volumes",
          "placementConstraints",
          "requiresCompatibilities",
          "cpu",
          "memory",
          "tags",
          "pidMode",
          "ipcMode",
          "proxyConfiguration",
          "inferenceAccelerators",
          "ephemeralStorage",
          "runtimePlatform",
          "enableFaultInjection");

  static final Set<String> CONTAINER_FIELDS =
      Set.of(
          "name",
          "image",
          "repositoryCredentials",
          "cpu",
          "memory",
          "memoryReservation",
          "links",
          "portMappings",
          "essential",
          "restartPolicy",
          "entryPoint",
          "command",
          "environment",
          "environmentFiles",
          "mountPoints",
          "volumesFrom",
          "linuxParameters",
          "secrets",
          "dependsOn",
          "startTimeout",
          "stopTimeout",
          "versionConsistency",
          "hostname",
          "user",
          "workingDirectory",
          "disableNetworking",
          "privileged",
          "readonlyRootFilesystem",
          "dnsServers",
          "dnsSearchDomains",
          "extraHosts",
          "dockerSecurityOptions",
          "interactive",
          "pseudoTerminal",
          "dockerLabels",
          "ulimits",
          "logConfiguration",
          "healthCheck",
          "systemControls",
          "resourceRequirements",
          "firelensConfiguration",
          "credentialSpecs");

  static final Set<String> PORT_FIELDS =
      Set.of("containerPort", "hostPort", "protocol", "name", "appProtocol", "containerPortRange");

  static final Set<String> HEALTH_FIELDS =
      Set.of("command", "interval", "timeout", "retries", "startPeriod");

  private static final Pattern FAMILY = Pattern.compile("[A-Za-z0-9_-]{1,255}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");
  private static final Pattern AMOUNT =
      Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)\\s*");

  /** Validates the request and returns the task definition without ARN and revision. */
  static ObjectNode validate(ObjectNode request) {
    unknownFields(request, REQUEST_FIELDS, "");
    String family = text(request, "family");
    if (family == null || !FAMILY.matcher(family).matches()) {
      throw AwsError.client(
          "Family must be 1-255 characters: letters, numbers, hyphens and underscores"
              + (family == null ? " (family is missing)." : " (got '" + family + "')."));
    }
    JsonNode containers = request.get("containerDefinitions");
    if (containers == null || !containers.isArray() || containers.isEmpty()) {
      throw AwsError.client(
          "Task definition '" + family + "' must have at least one entry in containerDefinitions.");
    }
    String networkMode = text(request, "networkMode");
    if (networkMode != null && !Set.of("bridge", "host", "awsvpc", "none").contains(networkMode)) {
      throw AwsError.client(
          "Invalid networkMode '" + networkMode + "'; valid values: bridge, host, awsvpc, none.");
    }
    boolean fargate = false;
    JsonNode compat = request.get("requiresCompatibilities");
    if (compat != null) {
      for (JsonNode c : compat) {
        if (!Set.of("EC2", "FARGATE", "EXTERNAL").contains(c.asText())) {
          throw AwsError.client(
              "Invalid requiresCompatibilities value '"
                  + c.asText()
                  + "'; valid values: EC2, FARGATE, EXTERNAL.");
        }
        fargate |= c.asText().equals("FARGATE");
      }
    }
    Integer taskCpu = amount(request, "cpu", "task", true);
    Integer taskMemory = amount(request, "memory", "task", false);
    if (fargate) {
      if (!"awsvpc".equals(networkMode)) {
        throw AwsError.client("Fargate only supports network mode 'awsvpc'.");
      }
      if (taskCpu == null || taskMemory == null) {
        throw AwsError.client(
            "Fargate requires task definition to have 'cpu' and 'memory' at the task level.");
      }
      if (!fargateCombination(taskCpu, taskMemory)) {
        throw AwsError.client(
            "No Fargate configuration exists for given values: "
                + taskCpu
                + " CPU, "
                + taskMemory
                + " memory. See the Amazon ECS documentation for the valid CPU and memory"
                + " combinations.");
      }
    }
    if (taskCpu != null && taskCpu < 128) {
      throw AwsError.client("Invalid 'cpu' setting for task. The minimum is 128 CPU units.");
    }
    if (taskMemory != null && taskMemory < 6) {
      throw AwsError.client("Invalid 'memory' setting for task. The minimum is 6 MiB.");
    }

    ObjectNode out = request.deepCopy();
    out.remove("tags");
    Set<String> names = new HashSet<>();
    int essentials = 0;
    int containerMemorySum = 0;
    ArrayNode defs = (ArrayNode) out.get("containerDefinitions");
    for (int i = 0; i < defs.size(); i++) {
      if (!defs.get(i).isObject()) {
        throw AwsError.client("containerDefinitions[" + i + "] must be an object.");
      }
      ObjectNode def = (ObjectNode) defs.get(i);
      String path = "containerDefinitions[" + i + "]";
      unknownFields(def, CONTAINER_FIELDS, path + ".");
      String name = text(def, "name");
      if (name == null || !NAME.matcher(name).matches()) {
        throw AwsError.client(
            "Container.name must be 1-255 letters, numbers, hyphens and underscores ("
                + path
                + ".name"
                + (name == null ? " is missing)." : " is '" + name + "')."));
      }
      if (!names.add(name)) {
        throw AwsError.client(
            "Duplicate container name '"
                + name
                + "' in containerDefinitions; container names must be unique in a task"
                + " definition.");
      }
      String image = text(def, "image");
      if (image == null || image.isBlank()) {
        throw AwsError.client(
            "Container.image should not be null or empty (container '" + name + "').");
      }
      Integer memory = amount(def, "memory", "container '" + name + "'", false);
      Integer reservation = amount(def, "memoryReservation", "container '" + name + "'", false);
      amount(def, "cpu", "container '" + name + "'", true);
      if (taskMemory == null && memory == null && reservation == null) {
        throw AwsError.client(
            "Invalid setting for container '"
                + name
                + "'. At least one of 'memory' or 'memoryReservation' must be specified.");
      }
      if (memory != null && reservation != null && reservation > memory) {
        throw AwsError.client(
            "Invalid setting for container '"
                + name
                + "'. 'memoryReservation' ("
                + reservation
                + ") must be lower than 'memory' ("
                + memory
                + ").");
      }
      if (memory != null && memory < 6) {
        throw AwsError.client(
            "Invalid 'memory' setting for container '" + name + "'. The minimum is 6 MiB.");
      }
      containerMemorySum += memory != null ? memory : reservation != null ? reservation : 0;
      boolean essential = !def.has("essential") || def.get("essential").asBoolean();
      def.put("essential", essential);
      essentials += essential ? 1 : 0;
      if (!def.has("cpu")) {
        def.put("cpu", 0);
      }
      for (String list : List.of("environment", "mountPoints", "volumesFrom", "portMappings")) {
        if (!def.has(list)) {
          def.putArray(list);
        }
      }
      ports(def, name, networkMode);
      healthCheck(def, name);
      AwsLogs.validate(def, name);
      LocalSecrets.validate(def, name);
      if (def.has("stopTimeout")
          && (def.get("stopTimeout").asInt() < 0 || def.get("stopTimeout").asInt() > 120)) {
        throw AwsError.client(
            "Invalid 'stopTimeout' setting for container '"
                + name
                + "'. It must be between 0 and 120 seconds.");
      }
    }
    if (essentials == 0) {
      throw AwsError.client(
          "Task definition '" + family + "' must have at least one essential container.");
    }
    if (taskMemory != null && containerMemorySum > taskMemory) {
      throw AwsError.client(
          "Invalid setting for containers. The sum of the containers' memory ("
              + containerMemorySum
              + " MiB) exceeds the task memory ("
              + taskMemory
              + " MiB).");
    }
    for (JsonNode def : defs) {
      JsonNode dependsOn = def.get("dependsOn");
      if (dependsOn == null) {
        continue;
      }
      for (JsonNode dep : dependsOn) {
        String other = text(dep, "containerName");
        String condition = text(dep, "condition");
        if (other == null || !names.contains(other)) {
          throw AwsError.client(
              "Container '"
                  + def.get("name").asText()
                  + "' depends on container '"
                  + other
                  + "', which is not in the task definition.");
        }
        if (!Set.of("START", "COMPLETE", "SUCCESS", "HEALTHY").contains(condition)) {
          throw AwsError.client(
              "Invalid dependsOn condition '"
                  + condition
                  + "' for container '"
                  + def.get("name").asText()
                  + "'; valid values: START, COMPLETE, SUCCESS, HEALTHY.");
        }
      }
    }
    if (taskCpu != null) {
      out.put("cpu", String.valueOf(taskCpu));
    }
    if (taskMemory != null) {
      out.put("memory", String.valueOf(taskMemory));
    }
    for (String list : List.of("volumes", "placementConstraints")) {
      if (!out.has(list)) {
        out.putArray(list);
      }
    }
    ArrayNode compatibilities = out.putArray("compatibilities");
    compatibilities.add("EC2");
    if ("awsvpc".equals(networkMode)) {
      compatibilities.add("FARGATE");
    }
    out.putArray("requiresAttributes");
    out.put("status", "ACTIVE");
    return out;
  }

  private static void ports(ObjectNode def, String name, String networkMode) {
    for (JsonNode port : def.get("portMappings")) {
      unknownFields(port, PORT_FIELDS, "container '" + name + "' portMappings.");
      int containerPort = port.path("containerPort").asInt(0);
      if (containerPort < 1 || containerPort > 65535) {
        throw AwsError.client(
            "Invalid 'containerPort' in portMappings of container '"
                + name
                + "': it must be between 1 and 65535.");
      }
      if (port.has("hostPort")) {
        int hostPort = port.get("hostPort").asInt();
        if (hostPort < 0 || hostPort > 65535) {
          throw AwsError.client(
              "Invalid 'hostPort' in portMappings of container '"
                  + name
                  + "': it must be between 0 and 65535.");
        }
        if ("awsvpc".equals(networkMode) && hostPort != containerPort) {
          throw AwsError.client(
              "When networkMode=awsvpc, the host ports and container ports in port mappings must"
                  + " match.");
        }
      }
      String protocol = port.path("protocol").asText("tcp");
      if (!protocol.equals("tcp") && !protocol.equals("udp")) {
        throw AwsError.client(
            "Invalid protocol '" + protocol + "' in portMappings of container '" + name + "'.");
      }
      ObjectNode p = (ObjectNode) port;
      p.put("protocol", protocol);
      if ("awsvpc".equals(networkMode) || "host".equals(networkMode)) {
        p.put("hostPort", containerPort);
      }
    }
  }

  private static void healthCheck(ObjectNode def, String name) {
    JsonNode check = def.get("healthCheck");
    if (check == null) {
      return;
    }
    unknownFields(check, HEALTH_FIELDS, "container '" + name + "' healthCheck.");
    JsonNode command = check.get("command");
    if (command == null
        || !command.isArray()
        || command.isEmpty()
        || !Set.of("CMD", "CMD-SHELL", "NONE").contains(command.get(0).asText())
        || (!command.get(0).asText().equals("NONE") && command.size() < 2)) {
      throw AwsError.client(
          "Invalid 'healthCheck' setting for container '"
              + name
              + "'. 'command' must be [\"CMD\", exe, args...] or [\"CMD-SHELL\", \"command\"].");
    }
    ObjectNode c = (ObjectNode) check;
    range(c, "interval", 5, 300, 30, name);
    range(c, "timeout", 2, 60, 5, name);
    range(c, "retries", 1, 10, 3, name);
    range(c, "startPeriod", 0, 300, 0, name);
  }

  private static void range(ObjectNode check, String field, int min, int max, int dflt, String c) {
    int value = check.has(field) ? check.get(field).asInt(Integer.MIN_VALUE) : dflt;
    if (value < min || value > max) {
      throw AwsError.client(
          "Invalid 'healthCheck' setting for container '"
              + c
              + "'. '"
              + field
              + "' must be between "
              + min
              + " and "
              + max
              + ".");
    }
    check.put(field, value);
  }

  private static void unknownFields(JsonNode node, Set<String> known, String path) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw AwsError.client(
            "Unknown parameter in task definition: '"
                + path
                + field
                + "'; it must be one of: "
                + String.join(", ", known.stream().sorted().toList())
                + ".");
      }
    }
  }

  /**
   * A cpu (units) or memory (MiB) amount: a number, or a string "1 vCPU", "0.5 vcpu", "2 GB", "512
   * MiB". Null when absent.
   */
  static Integer amount(JsonNode node, String field, String owner, boolean cpu) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isNumber()) {
      if (value.asInt() < 0) {
        throw AwsError.client("Invalid '" + field + "' setting for " + owner + ": negative.");
      }
      return value.asInt();
    }
    Matcher m = AMOUNT.matcher(value.asText());
    if (m.matches()) {
      double number = Double.parseDouble(m.group(1));
      String unit = m.group(2).toLowerCase(Locale.ROOT);
      if (unit.isEmpty()) {
        return (int) number;
      }
      if (cpu && unit.equals("vcpu")) {
        return (int) Math.round(number * 1024);
      }
      if (!cpu && (unit.equals("gb") || unit.equals("gib"))) {
        return (int) Math.round(number * 1024);
      }
      if (!cpu && (unit.equals("mb") || unit.equals("mib"))) {
        return (int) Math.round(number);
      }
    }
    throw AwsError.client(
        "Invalid '"
            + field
            + "' setting for "
            + owner
            + ": '"
            + value.asText()
            + "' is not "
            + (cpu ? "a number of CPU units or 'N vCPU'." : "a number of MiB or 'N GB'."));
  }

  /** The Fargate CPU/memory table. */
  static boolean fargateCombination(int cpu, int memory) {
    switch (cpu) {
      case 256:
        return memory == 512 || memory == 1024 || memory == 2048;
      case 512:
        return memory >= 1024 && memory <= 4096 && memory % 1024 == 0;
      case 1024:
        return memory >= 2048 && memory <= 8192 && memory % 1024 == 0;
      case 2048:
        return memory >= 4096 && memory <= 16384 && memory % 1024 == 0;
      case 4096:
        return memory >= 8192 && memory <= 30720 && memory % 1024 == 0;
      case 8192:
        return memory >= 16384 && memory <= 61440 && memory % 4096 == 0;
      case 16384:
        return memory >= 32768 && memory <= 122880 && memory % 8192 == 0;
      default:
        return false;
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
