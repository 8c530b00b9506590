package io.gantry.localecs;

import java.security.SecureRandom;
import java.util.HexFormat;

/** ARNs and ids in ECS's formats, for one region of the fixed local account. */
final class Arns {

  static final String ACCOUNT = "000000000000";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String region;

  Arns(String region) {
    this.region = region;
  }

  String region() {
    return region;
  }

  private String prefix(String service) {
    return "arn:aws:" + service + ":" + region + ":" + ACCOUNT + ":";
  }

  String cluster(String name) {
    return prefix("ecs") + "cluster/" + name;
  }

  String taskDefinition(String family, int revision) {
    return prefix("ecs") + "task-definition/" + family + ":" + revision;
  }

  String service(String cluster, String name) {
    return prefix("ecs") + "service/" + cluster + "/" + name;
  }

  String task(String cluster, String id) {
    return prefix("ecs") + "task/" + cluster + "/" + id;
  }

  String container(String cluster, String taskId) {
    return prefix("ecs") + "container/" + cluster + "/" + taskId + "/" + uuid();
  }

  String repository(String name) {
    return prefix("ecr") + "repository/" + name;
  }

  String targetGroup(String name) {
    return prefix("elasticloadbalancing") + "targetgroup/" + name + "/" + hex(8);
  }

  /** The part after the last '/' (a name or id given either way). */
  static String lastPart(String nameOrArn) {
    return nameOrArn.substring(nameOrArn.lastIndexOf('/') + 1);
  }

  /** A cluster name from a name or an ARN. */
  static String clusterName(String nameOrArn) {
    return nameOrArn == null || nameOrArn.isEmpty() ? "default" : lastPart(nameOrArn);
  }

  static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static String uuid() {
    return java.util.UUID.randomUUID().toString();
  }

  /** "ecs-svc/" and 19 digits, as ECS names deployments. */
  static String deploymentId() {
    StringBuilder digits = new StringBuilder("ecs-svc/");
    digits.append(1 + RANDOM.nextInt(9));
    for (int i = 0; i < 18; i++) {
      digits.append(RANDOM.nextInt(10));
    }
    return digits.toString();
  }
}
