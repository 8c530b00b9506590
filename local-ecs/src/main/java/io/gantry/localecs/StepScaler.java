package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * Step scaling: the CloudWatch alarms of {@link CloudWatchActions} evaluated once per metric period
 * (with the core's lock held, from {@link AutoScaler}). An alarm is in ALARM after {@code
 * EvaluationPeriods} consecutive periods in which its metric's current value (the last one put with
 * PutMetricData) breaches the threshold, OK otherwise, INSUFFICIENT_DATA without a value. While in
 * ALARM it runs each step scaling policy of its {@code AlarmActions}, as Application Auto Scaling
 * does: the step adjustment whose bounds hold the breach (value − threshold; lower bound inclusive,
 * upper exclusive), applied as {@code ChangeInCapacity}, {@code PercentChangeInCapacity} (with
 * {@code MinAdjustmentMagnitude}) or {@code ExactCapacity} within min and max, then not again
 * before the policy's {@code Cooldown} (300 s by default).
 */
final class StepScaler {

  private static final int DEFAULT_COOLDOWN = 300;

  private StepScaler() {}

  /** The step scaling policy with this ARN, or null (lock held). */
  static Model.ScalingPolicy policy(LocalEcsCore core, String arn) {
    for (Model.ScalableTarget t : core.state().scalableTargets.values()) {
      for (Model.ScalingPolicy p : t.policies.values()) {
        if (p.policyARN.equals(arn) && "StepScaling".equals(p.policyType)) {
          return p;
        }
      }
    }
    return null;
  }

  /** Evaluates every alarm once (lock held). */
  static void evaluate(LocalEcsCore core) {
    for (Model.MetricAlarm alarm : core.state().alarms.values()) {
      Double value =
          core.state()
              .metrics
              .get(
                  CloudWatchActions.metricKey(alarm.namespace, alarm.metricName, alarm.dimensions));
      if (value == null) {
        alarm.stateValue = "INSUFFICIENT_DATA";
        alarm.breaches = 0;
        continue;
      }
      boolean breaching =
          switch (alarm.comparisonOperator) {
            case "GreaterThanOrEqualToThreshold" -> value >= alarm.threshold;
            case "GreaterThanThreshold" -> value > alarm.threshold;
            case "LessThanThreshold" -> value < alarm.threshold;
            default -> value <= alarm.threshold;
          };
      alarm.breaches = breaching ? alarm.breaches + 1 : 0;
      alarm.stateValue = alarm.breaches >= alarm.evaluationPeriods ? "ALARM" : "OK";
      if (!alarm.stateValue.equals("ALARM")) {
        continue;
      }
      for (String arn : alarm.alarmActions) {
        for (Map.Entry<String, Model.ScalableTarget> e : core.state().scalableTargets.entrySet()) {
          for (Model.ScalingPolicy p : e.getValue().policies.values()) {
            if (p.policyARN.equals(arn) && "StepScaling".equals(p.policyType)) {
              run(core, e.getValue(), p, alarm, value);
            }
          }
        }
      }
    }
  }

  private static void run(
      LocalEcsCore core,
      Model.ScalableTarget target,
      Model.ScalingPolicy policy,
      Model.MetricAlarm alarm,
      double value) {
    Model.Service service = AutoScaler.service(core, target.resourceId);
    if (service == null) {
      return;
    }
    JsonNode config = policy.stepScalingPolicyConfiguration;
    double now = Model.now();
    if (now - policy.lastStepAt < config.path("Cooldown").asInt(DEFAULT_COOLDOWN)) {
      return;
    }
    double breach = value - alarm.threshold;
    JsonNode step = null;
    for (JsonNode s : config.path("StepAdjustments")) {
      boolean aboveLower =
          !s.has("MetricIntervalLowerBound")
              || breach >= s.get("MetricIntervalLowerBound").asDouble();
      boolean belowUpper =
          !s.has("MetricIntervalUpperBound")
              || breach < s.get("MetricIntervalUpperBound").asDouble();
      if (aboveLower && belowUpper) {
        step = s;
        break;
      }
    }
    if (step == null) {
      return;
    }
    int current = service.desiredCount;
    int adjustment = step.path("ScalingAdjustment").asInt();
    int desired =
        switch (config.path("AdjustmentType").asText()) {
          case "ExactCapacity" -> adjustment;
          case "PercentChangeInCapacity" -> {
            int change = (int) (current * adjustment / 100.0);
            int magnitude = config.path("MinAdjustmentMagnitude").asInt(0);
            if (Math.abs(change) < magnitude) {
              change = adjustment < 0 ? -magnitude : magnitude;
            }
            yield current + change;
          }
          default -> current + adjustment;
        };
    desired = Math.min(target.maxCapacity, Math.max(target.minCapacity, desired));
    boolean out = desired > current;
    if (desired == current
        || (out && target.dynamicScalingOutSuspended)
        || (!out && target.dynamicScalingInSuspended)) {
      return;
    }
    AutoScaler.setDesired(
        core,
        target,
        service,
        desired,
        "monitor alarm "
            + alarm.alarmName
            + " in state ALARM triggered policy "
            + policy.policyName
            + " ("
            + alarm.metricName
            + " "
            + CloudWatchActions.describe(value)
            + ", threshold "
            + CloudWatchActions.describe(alarm.threshold)
            + ")",
        policy);
    policy.lastStepAt = now;
  }
}
