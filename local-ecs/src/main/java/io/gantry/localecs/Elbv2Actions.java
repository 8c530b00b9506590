package io.gantry.localecs;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ELBv2 actions local-ecs answers (AWS Query protocol: a form-encoded POST with {@code Action},
 * XML answers): CreateTargetGroup, DescribeTargetGroups, DescribeTargetHealth,
 * ModifyTargetGroupAttributes (deregistration_delay.timeout_seconds), DeleteTargetGroup.
 */
final class Elbv2Actions {

  private static final String NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

  private final LocalEcsCore core;
  private final Balancer balancer;

  Elbv2Actions(LocalEcsCore core, Balancer balancer) {
    this.core = core;
    this.balancer = balancer;
  }

  static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(key, value);
    }
    return out;
  }

  /** Answers the action as XML, or throws an {@link AwsError} (written as an ErrorResponse). */
  String handle(Map<String, String> form) {
    String action = form.getOrDefault("Action", "");
    String result =
        switch (action) {
          case "CreateTargetGroup" -> createTargetGroup(form);
          case "DescribeTargetGroups" -> describeTargetGroups(form);
          case "DescribeTargetHealth" -> describeTargetHealth(form);
          case "ModifyTargetGroupAttributes" -> modifyAttributes(form);
          case "DeleteTargetGroup" -> deleteTargetGroup(form);
          default ->
              throw new AwsError(
                  "InvalidAction",
                  "local-ecs does not implement the ELBv2 action '" + action + "'.");
        };
    return QueryXml.response(NS, action, result);
  }

  static String error(AwsError e) {
    return QueryXml.error(NS, e);
  }

  private String createTargetGroup(Map<String, String> form) {
    String name = form.get("Name");
    if (name == null || !name.matches("[A-Za-z0-9-]{1,32}")) {
      throw new AwsError(
          "ValidationError",
          "Target group name must be 1-32 letters, digits and hyphens (got '" + name + "').");
    }
    synchronized (core) {
      for (Model.TargetGroup g : core.state().targetGroups.values()) {
        if (g.targetGroupName.equals(name)) {
          return groups(List.of(g));
        }
      }
      Model.TargetGroup g = new Model.TargetGroup();
      g.targetGroupName = name;
      g.targetGroupArn = core.arns().targetGroup(name);
      g.createdAt = Model.now();
      g.port = integer(form, "Port", 0, 0, 65535);
      g.healthCheckPath = form.getOrDefault("HealthCheckPath", "/");
      g.healthCheckIntervalSeconds = integer(form, "HealthCheckIntervalSeconds", 30, 5, 300);
      g.healthCheckTimeoutSeconds = integer(form, "HealthCheckTimeoutSeconds", 5, 2, 120);
      g.healthyThresholdCount = integer(form, "HealthyThresholdCount", 5, 2, 10);
      g.unhealthyThresholdCount = integer(form, "UnhealthyThresholdCount", 2, 2, 10);
      g.matcher = form.getOrDefault("Matcher.HttpCode", "200");
      if (!g.matcher.matches("[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*")) {
        throw new AwsError(
            "ValidationError",
            "Matcher.HttpCode must be codes like 200, 200-299 or 200,302 (got '"
                + g.matcher
                + "').");
      }
      core.state().targetGroups.put(g.targetGroupArn, g);
      core.save();
      return groups(List.of(g));
    }
  }

  private static int integer(Map<String, String> form, String key, int dflt, int min, int max) {
    String v = form.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new AwsError(
        "ValidationError",
        key + " must be a number between " + min + " and " + max + " (got '" + v + "').");
  }

  private String describeTargetGroups(Map<String, String> form) {
    List<String> arns = members(form, "TargetGroupArns.member.");
    List<String> names = members(form, "Names.member.");
    List<Model.TargetGroup> out = new ArrayList<>();
    synchronized (core) {
      for (Model.TargetGroup g : core.state().targetGroups.values()) {
        if ((arns.isEmpty() && names.isEmpty())
            || arns.contains(g.targetGroupArn)
            || names.contains(g.targetGroupName)) {
          out.add(g);
        }
      }
      if (out.size() < arns.size() + names.size()) {
        throw new AwsError("TargetGroupNotFound", "One or more target groups not found");
      }
      return groups(out);
    }
  }

  private String describeTargetHealth(Map<String, String> form) {
    String arn = form.get("TargetGroupArn");
    synchronized (core) {
      if (arn == null || core.targetGroup(arn) == null) {
        throw new AwsError("TargetGroupNotFound", "Target groups '" + arn + "' not found");
      }
    }
    StringBuilder out = new StringBuilder("<TargetHealthDescriptions>");
    for (String[] t : balancer.health(arn)) {
      out.append("<member><Target><Id>127.0.0.1</Id><Port>")
          .append(t[0])
          .append("</Port></Target><HealthCheckPort>")
          .append(t[0])
          .append("</HealthCheckPort><TargetHealth><State>")
          .append(t[1])
          .append("</State>");
      if (t[2] != null) {
        out.append("<Reason>").append(QueryXml.escape(t[2])).append("</Reason>");
      }
      out.append("</TargetHealth></member>");
    }
    return out.append("</TargetHealthDescriptions>").toString();
  }

  private String modifyAttributes(Map<String, String> form) {
    String arn = form.get("TargetGroupArn");
    synchronized (core) {
      Model.TargetGroup g = arn == null ? null : core.targetGroup(arn);
      if (g == null) {
        throw new AwsError("TargetGroupNotFound", "Target groups '" + arn + "' not found");
      }
      for (int i = 1; form.containsKey("Attributes.member." + i + ".Key"); i++) {
        String key = form.get("Attributes.member." + i + ".Key");
        if (key.equals("deregistration_delay.timeout_seconds")) {
          g.deregistrationDelaySeconds =
              integer(form, "Attributes.member." + i + ".Value", 300, 0, 3600);
        }
      }
      core.save();
      return "<Attributes><member><Key>deregistration_delay.timeout_seconds</Key><Value>"
          + g.deregistrationDelaySeconds
          + "</Value></member></Attributes>";
    }
  }

  private String deleteTargetGroup(Map<String, String> form) {
    String arn = form.get("TargetGroupArn");
    synchronized (core) {
      for (Model.Cluster c : core.clusters().values()) {
        for (Model.Service s : c.services.values()) {
          if (!s.status.equals("INACTIVE")
              && s.loadBalancers.stream()
                  .anyMatch(lb -> lb.path("targetGroupArn").asText().equals(arn))) {
            throw new AwsError(
                "ResourceInUse",
                "Target group '" + arn + "' is currently in use by service " + s.serviceName);
          }
        }
      }
      core.state().targetGroups.remove(arn);
      core.save();
    }
    return "";
  }

  private static List<String> members(Map<String, String> form, String prefix) {
    List<String> out = new ArrayList<>();
    for (int i = 1; form.containsKey(prefix + i); i++) {
      out.add(form.get(prefix + i));
    }
    return out;
  }

  private static String groups(List<Model.TargetGroup> groups) {
    StringBuilder out = new StringBuilder("<TargetGroups>");
    for (Model.TargetGroup g : groups) {
      out.append("<member>")
          .append("<TargetGroupArn>")
          .append(QueryXml.escape(g.targetGroupArn))
          .append("</TargetGroupArn>")
          .append("<TargetGroupName>")
          .append(QueryXml.escape(g.targetGroupName))
          .append("</TargetGroupName>")
          .append("<Protocol>HTTP</Protocol>")
          .append("<Port>")
          .append(g.port)
          .append("</Port>")
          .append("<HealthCheckProtocol>HTTP</HealthCheckProtocol>")
          .append("<HealthCheckPath>")
          .append(QueryXml.escape(g.healthCheckPath))
          .append("</HealthCheckPath>")
          .append("<HealthCheckIntervalSeconds>")
          .append(g.healthCheckIntervalSeconds)
          .append("</HealthCheckIntervalSeconds>")
          .append("<HealthCheckTimeoutSeconds>")
          .append(g.healthCheckTimeoutSeconds)
          .append("</HealthCheckTimeoutSeconds>")
          .append("<HealthyThresholdCount>")
          .append(g.healthyThresholdCount)
          .append("</HealthyThresholdCount>")
          .append("<UnhealthyThresholdCount>")
          .append(g.unhealthyThresholdCount)
          .append("</UnhealthyThresholdCount>")
          .append("<Matcher><HttpCode>")
          .append(QueryXml.escape(g.matcher))
          .append("</HttpCode></Matcher>")
          .append("<TargetType>ip</TargetType>")
          .append("</member>");
    }
    return out.append("</TargetGroups>").toString();
  }
}
