package io.gantry.localecs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The CloudWatch subset step scaling needs (Query protocol, XML, {@code Version=2010-08-01}):
 * {@code PutMetricData} (a metric's current value: the last one put), {@code PutMetricAlarm} (a
 * threshold on such a metric whose {@code AlarmActions} name step scaling policies), {@code
 * DescribeAlarms}, {@code DeleteAlarms}. Alarms are evaluated by {@link StepScaler} once per metric
 * period. Runs with the core's lock held.
 */
final class CloudWatchActions {

  static final String VERSION = "2010-08-01";
  static final Set<String> ACTIONS =
      Set.of("PutMetricData", "PutMetricAlarm", "DescribeAlarms", "DeleteAlarms");
  private static final String NS = "http://monitoring.amazonaws.com/doc/2010-08-01/";
  static final Set<String> OPERATORS =
      Set.of(
          "GreaterThanOrEqualToThreshold",
          "GreaterThanThreshold",
          "LessThanThreshold",
          "LessThanOrEqualToThreshold");

  private final LocalEcsCore core;

  CloudWatchActions(LocalEcsCore core) {
    this.core = core;
  }

  String handle(Map<String, String> form) {
    String action = form.getOrDefault("Action", "");
    synchronized (core) {
      return switch (action) {
        case "PutMetricData" -> putMetricData(form);
        case "PutMetricAlarm" -> putMetricAlarm(form);
        case "DescribeAlarms" -> describeAlarms(form);
        case "DeleteAlarms" -> deleteAlarms(form);
        default ->
            throw new AwsError(
                "InvalidAction", "local-ecs does not implement the CloudWatch action " + action);
      };
    }
  }

  private String putMetricData(Map<String, String> form) {
    String namespace = required(form, "Namespace");
    for (int i = 1; form.containsKey("MetricData.member." + i + ".MetricName"); i++) {
      String prefix = "MetricData.member." + i + ".";
      String value = form.get(prefix + "Value");
      if (value == null) {
        throw invalid("MetricData.member." + i + ".Value is required (local-ecs takes values).");
      }
      double v;
      try {
        v = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw invalid(
            "The value "
                + value
                + " for parameter MetricData.member."
                + i
                + ".Value is"
                + " invalid.");
      }
      core.state()
          .metrics
          .put(metricKey(namespace, form.get(prefix + "MetricName"), dimensions(form, prefix)), v);
    }
    return ok("PutMetricData", "");
  }

  private String putMetricAlarm(Map<String, String> form) {
    Model.MetricAlarm alarm = new Model.MetricAlarm();
    alarm.alarmName = required(form, "AlarmName");
    alarm.namespace = required(form, "Namespace");
    alarm.metricName = required(form, "MetricName");
    alarm.dimensions = dimensions(form, "");
    alarm.threshold = number(form, "Threshold");
    alarm.comparisonOperator = required(form, "ComparisonOperator");
    if (!OPERATORS.contains(alarm.comparisonOperator)) {
      throw invalid(
          "ComparisonOperator must be one of " + new java.util.TreeSet<>(OPERATORS) + ".");
    }
    alarm.evaluationPeriods = (int) number(form, "EvaluationPeriods");
    if (alarm.evaluationPeriods < 1) {
      throw invalid("EvaluationPeriods must be 1 or more.");
    }
    alarm.alarmActions = new ArrayList<>();
    for (int i = 1; form.containsKey("AlarmActions.member." + i); i++) {
      String arn = form.get("AlarmActions.member." + i);
      if (StepScaler.policy(core, arn) == null) {
        throw invalid(
            "AlarmActions.member."
                + i
                + " '"
                + arn
                + "' names no step scaling policy of local-ecs (PutScalingPolicy's PolicyARN).");
      }
      alarm.alarmActions.add(arn);
    }
    alarm.alarmArn =
        "arn:aws:cloudwatch:"
            + core.arns().region()
            + ":"
            + Arns.ACCOUNT
            + ":alarm:"
            + alarm.alarmName;
    Model.MetricAlarm before = core.state().alarms.get(alarm.alarmName);
    alarm.stateValue = before == null ? "INSUFFICIENT_DATA" : before.stateValue;
    core.state().alarms.put(alarm.alarmName, alarm);
    return ok("PutMetricAlarm", "");
  }

  private String describeAlarms(Map<String, String> form) {
    List<String> names = new ArrayList<>();
    for (int i = 1; form.containsKey("AlarmNames.member." + i); i++) {
      names.add(form.get("AlarmNames.member." + i));
    }
    StringBuilder out = new StringBuilder("<MetricAlarms>");
    for (Model.MetricAlarm a : core.state().alarms.values()) {
      if (!names.isEmpty() && !names.contains(a.alarmName)) {
        continue;
      }
      out.append("<member><AlarmName>")
          .append(QueryXml.escape(a.alarmName))
          .append("</AlarmName><AlarmArn>")
          .append(QueryXml.escape(a.alarmArn))
          .append("</AlarmArn><Namespace>")
          .append(QueryXml.escape(a.namespace))
          .append("</Namespace><MetricName>")
          .append(QueryXml.escape(a.metricName))
          .append("</MetricName><Threshold>")
          .append(a.threshold)
          .append("</Threshold><ComparisonOperator>")
          .append(a.comparisonOperator)
          .append("</ComparisonOperator><EvaluationPeriods>")
          .append(a.evaluationPeriods)
          .append("</EvaluationPeriods><StateValue>")
          .append(a.stateValue)
          .append("</StateValue><AlarmActions>");
      for (String arn : a.alarmActions) {
        out.append("<member>").append(QueryXml.escape(arn)).append("</member>");
      }
      out.append("</AlarmActions></member>");
    }
    return ok("DescribeAlarms", out.append("</MetricAlarms>").toString());
  }

  private String deleteAlarms(Map<String, String> form) {
    for (int i = 1; form.containsKey("AlarmNames.member." + i); i++) {
      String name = form.get("AlarmNames.member." + i);
      if (core.state().alarms.remove(name) == null) {
        throw new AwsError("ResourceNotFound", "Alarm " + name + " does not exist.", 404);
      }
    }
    return ok("DeleteAlarms", "");
  }

  // --- helpers ---

  static String metricKey(String namespace, String name, Map<String, String> dimensions) {
    return namespace + "|" + name + "|" + new java.util.TreeMap<>(dimensions);
  }

  private static Map<String, String> dimensions(Map<String, String> form, String prefix) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (int i = 1; form.containsKey(prefix + "Dimensions.member." + i + ".Name"); i++) {
      out.put(
          form.get(prefix + "Dimensions.member." + i + ".Name"),
          form.getOrDefault(prefix + "Dimensions.member." + i + ".Value", ""));
    }
    return out;
  }

  private static String required(Map<String, String> form, String key) {
    String value = form.get(key);
    if (value == null || value.isEmpty()) {
      throw new AwsError("MissingParameter", "The parameter " + key + " must be specified.");
    }
    return value;
  }

  private static double number(Map<String, String> form, String key) {
    String value = required(form, key);
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw invalid("The value " + value + " for parameter " + key + " is invalid.");
    }
  }

  private static AwsError invalid(String message) {
    return new AwsError("InvalidParameterValue", message);
  }

  private static String ok(String action, String result) {
    return QueryXml.response(NS, action, result);
  }

  static String error(AwsError e) {
    return QueryXml.error(NS, e);
  }

  static String describe(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
