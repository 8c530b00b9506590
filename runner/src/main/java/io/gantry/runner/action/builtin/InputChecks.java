package io.gantry.runner.action.builtin;

import io.gantry.runner.workflow.InputProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the AWS built-ins can tell of their inputs at validation time, so that a workflow that would
 * fail after its image was pushed is reported before it runs. Only literal values are judged; a
 * value holding {@code ${{ }}} is checked when the step runs.
 */
final class InputChecks {

  /** The variables configure-aws-credentials sets for the job's later steps. */
  static final Set<String> AWS_EXPORTS =
      Set.of(
          "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN",
          "AWS_REGION",
          "AWS_DEFAULT_REGION");

  /** aws-actions/amazon-ecs-deploy-task-definition documents 6 hours as the longest wait. */
  static final int MAX_WAIT_MINUTES = 360;

  private InputChecks() {}

  private static boolean given(Map<String, String> with, String input) {
    String value = with.get(input);
    return value != null && !value.isBlank();
  }

  private static boolean literal(String value) {
    return value != null && !value.contains("${{");
  }

  /** {@code wait-for-minutes}: a whole number from 1 to {@value #MAX_WAIT_MINUTES}. */
  static List<InputProblem> waitForMinutes(Map<String, String> with) {
    String value = with.get("wait-for-minutes");
    if (!literal(value) || value.isBlank()) {
      return List.of();
    }
    try {
      int minutes = Integer.parseInt(value.strip());
      if (minutes >= 1 && minutes <= MAX_WAIT_MINUTES) {
        return List.of();
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    return List.of(
        InputProblem.error(
            "wait-for-minutes",
            "'"
                + value
                + "' is out of range; give a whole number of minutes from 1 to "
                + MAX_WAIT_MINUTES
                + " (6 hours, the action's documented maximum)"));
  }

  /**
   * The deploy's inputs: the wait, and no CodeDeploy (Gantry deploys with ECS's rolling update).
   */
  static List<InputProblem> ecsDeploy(Map<String, String> with, List<String> codeDeployInputs) {
    List<InputProblem> problems = new ArrayList<>(waitForMinutes(with));
    for (String input : codeDeployInputs) {
      if (given(with, input)) {
        problems.add(
            InputProblem.error(
                input,
                "CodeDeploy blue/green deployments are not supported by Gantry; remove the"
                    + " codedeploy-* inputs to deploy with ECS's rolling update"));
      }
    }
    return problems;
  }

  /** amazon-ecr-login: private registries only. */
  static List<InputProblem> ecrLogin(Map<String, String> with) {
    String type = with.get("registry-type");
    if (!literal(type) || type.isBlank()) {
      return List.of();
    }
    String lower = type.strip().toLowerCase(Locale.ROOT);
    if (lower.equals("public")) {
      return List.of(
          InputProblem.error(
              "registry-type",
              "'public' (Amazon ECR Public, public.ecr.aws) is not supported by Gantry; log in to"
                  + " a private ECR registry (registry-type: private, the default)"));
    }
    if (!lower.equals("private")) {
      return List.of(
          InputProblem.error("registry-type", "must be 'private', got '" + type.strip() + "'"));
    }
    return List.of();
  }

  /**
   * configure-aws-credentials: {@code role-to-assume} with no keys to call STS with is GitHub's
   * OIDC flow, which Gantry does not provide. A warning, not an error: keys in Gantry's own
   * environment (a host's IAM user, local-ecs) still let the role be assumed.
   */
  static List<InputProblem> awsCredentials(Map<String, String> with, Set<String> env) {
    if (!given(with, "role-to-assume")
        || given(with, "aws-access-key-id")
        || given(with, "web-identity-token-file")
        || env.contains("AWS_ACCESS_KEY_ID")) {
      return List.of();
    }
    return List.of(
        InputProblem.warning(
            "role-to-assume",
            "no aws-access-key-id to assume the role with: on GitHub this is OIDC (permissions:"
                + " id-token: write), which Gantry does not provide, so it works only when"
                + " Gantry's own environment holds AWS keys; give aws-access-key-id and"
                + " aws-secret-access-key (from secrets), or web-identity-token-file"));
  }
}
