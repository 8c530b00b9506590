package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where an EC2 task goes when its cluster has container instances, as ECS decides: instances with
 * the CPU and memory the task reserves (its task-level cpu/memory, else the sum of its containers')
 * and meeting its {@code placementConstraints} ({@code distinctInstance}, {@code memberOf} in
 * {@link ClusterQuery}), ordered by its {@code placementStrategy} ({@code binpack} on cpu or
 * memory, {@code spread} on instanceId or an attribute, {@code random}) in order, ties going to the
 * instance registered first. Caller holds the core lock.
 */
final class Placement {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The chosen instance, or why none was: ECS's reason and the closest instance. */
  record Result(Model.ContainerInstance instance, String reason, String closest) {}

  private Placement() {}

  /** Checks strategies and constraints as CreateService and RunTask do. */
  static void validate(JsonNode strategies, JsonNode constraints) {
    for (JsonNode s : iterable(strategies)) {
      String type = s.path("type").asText();
      String field = s.path("field").asText("");
      switch (type) {
        case "random" -> {}
        case "binpack" -> {
          if (!Set.of("cpu", "memory", "CPU", "MEMORY").contains(field)) {
            throw AwsError.invalid(
                "Invalid placement strategy field for binpack: '"
                    + field
                    + "'; valid values: cpu, memory.");
          }
        }
        case "spread" -> {
          if (!field.equalsIgnoreCase("instanceId")
              && !field.equals("host")
              && !field.startsWith("attribute:")) {
            throw AwsError.invalid(
                "Invalid placement strategy field for spread: '"
                    + field
                    + "'; valid values: instanceId, host, attribute:NAME.");
          }
        }
        default ->
            throw AwsError.invalid(
                "Invalid placement strategy type '"
                    + type
                    + "'; valid values: random, spread, binpack.");
      }
    }
    for (JsonNode c : iterable(constraints)) {
      String type = c.path("type").asText();
      if (type.equals("memberOf")) {
        if (c.path("expression").asText("").isBlank()) {
          throw AwsError.invalid("A memberOf placement constraint needs an expression.");
        }
        ClusterQuery.parse(c.get("expression").asText());
      } else if (!type.equals("distinctInstance")) {
        throw AwsError.invalid(
            "Invalid placement constraint type '"
                + type
                + "'; valid values: distinctInstance, memberOf.");
      }
    }
  }

  /** CPU units and MiB the task reserves. */
  static int[] demand(JsonNode taskDefinition) {
    int cpu = 0;
    int memory = 0;
    for (JsonNode d : taskDefinition.get("containerDefinitions")) {
      cpu += d.path("cpu").asInt(0);
      memory += d.has("memory") ? d.get("memory").asInt() : d.path("memoryReservation").asInt(0);
    }
    Integer taskCpu = TaskDefinitions.amount(taskDefinition, "cpu", "task", true);
    Integer taskMemory = TaskDefinitions.amount(taskDefinition, "memory", "task", false);
    return new int[] {taskCpu != null ? taskCpu : cpu, taskMemory != null ? taskMemory : memory};
  }

  /** What is left on the instance after its live tasks' reservations. */
  static int[] remaining(LocalEcsCore core, Model.ContainerInstance instance) {
    int cpu = instance.cpu;
    int memory = instance.memory;
    for (Model.Task t : core.state().tasks.values()) {
      if (!t.stopped() && instance.containerInstanceArn.equals(t.containerInstanceArn)) {
        int[] d = demand(core.taskDefinition(t.taskDefinitionArn));
        cpu -= d[0];
        memory -= d[1];
      }
    }
    return new int[] {cpu, memory};
  }

  static Result place(
      LocalEcsCore core,
      Model.Cluster cluster,
      JsonNode taskDefinition,
      String group,
      JsonNode strategies,
      JsonNode constraints) {
    int[] need = demand(taskDefinition);
    Map<String, Integer> groupTasks = new HashMap<>();
    for (Model.Task t : core.state().tasks.values()) {
      if (!t.stopped() && group.equals(t.group) && t.containerInstanceArn != null) {
        groupTasks.merge(t.containerInstanceArn, 1, Integer::sum);
      }
    }
    List<Model.ContainerInstance> fits = new ArrayList<>();
    Map<String, int[]> left = new LinkedHashMap<>();
    String reason = null;
    String closest = null;
    int closestShortfall = Integer.MAX_VALUE;
    for (Model.ContainerInstance i : cluster.containerInstances.values()) {
      if (!i.status.equals("ACTIVE")) {
        continue;
      }
      int[] r = remaining(core, i);
      left.put(i.containerInstanceArn, r);
      String miss = null;
      for (JsonNode c : iterable(constraints)) {
        if (c.path("type").asText().equals("distinctInstance")
            && groupTasks.containsKey(i.containerInstanceArn)) {
          miss = "DistinctInstance placement constraint unsatisfied.";
        } else if (c.path("type").asText().equals("memberOf")
            && !ClusterQuery.matches(c.get("expression").asText(), attributes(i))) {
          miss = "MemberOf placement constraint unsatisfied.";
        }
      }
      if (miss == null && r[1] < need[1]) {
        miss = "insufficient memory available";
      } else if (miss == null && r[0] < need[0]) {
        miss = "insufficient CPU units available";
      }
      if (miss == null) {
        fits.add(i);
        continue;
      }
      // The closest is one meeting the constraints with the least missing, else any.
      int shortfall = Math.max(0, need[1] - r[1]) + Math.max(0, need[0] - r[0]);
      if (!miss.startsWith("insufficient")) {
        shortfall = Integer.MAX_VALUE - 1;
      }
      if (shortfall < closestShortfall) {
        closestShortfall = shortfall;
        closest = i.containerInstanceArn;
        reason = miss;
      }
    }
    if (fits.isEmpty()) {
      return new Result(
          null, reason == null ? "no container instance is registered" : reason, closest);
    }
    List<JsonNode> order = new ArrayList<>();
    iterable(strategies).forEach(order::add);
    Comparator<Model.ContainerInstance> by = Comparator.comparingInt(i -> 0);
    for (JsonNode s : order) {
      String type = s.path("type").asText();
      String field = s.path("field").asText("");
      if (type.equals("binpack")) {
        int index = field.equalsIgnoreCase("cpu") ? 0 : 1;
        by = by.thenComparingInt(i -> left.get(i.containerInstanceArn)[index]);
      } else if (type.equals("spread")) {
        Map<String, Integer> perValue = new HashMap<>();
        for (Model.ContainerInstance i : cluster.containerInstances.values()) {
          perValue.merge(
              spreadValue(i, field),
              groupTasks.getOrDefault(i.containerInstanceArn, 0),
              Integer::sum);
        }
        by = by.thenComparingInt(i -> perValue.getOrDefault(spreadValue(i, field), 0));
      } else if (type.equals("random")) {
        Map<String, Integer> dice = new HashMap<>();
        fits.forEach(i -> dice.put(i.containerInstanceArn, RANDOM.nextInt()));
        by = by.thenComparingInt(i -> dice.get(i.containerInstanceArn));
      }
    }
    fits.sort(by);
    return new Result(fits.get(0), null, null);
  }

  static Map<String, String> attributes(Model.ContainerInstance i) {
    Map<String, String> all = new HashMap<>(i.attributes);
    all.put("ec2InstanceId", i.ec2InstanceId);
    return all;
  }

  private static String spreadValue(Model.ContainerInstance i, String field) {
    if (field.startsWith("attribute:")) {
      return String.valueOf(i.attributes.get(field.substring(10)));
    }
    return i.containerInstanceArn;
  }

  private static Iterable<JsonNode> iterable(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      array.forEach(out::add);
    }
    return out;
  }
}
