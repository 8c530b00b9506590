package io.gantry.runner.action.aws;

import io.gantry.runner.action.Action;
import java.util.List;

/**
 * The built-in AWS actions: {@code aws-actions/configure-aws-credentials}, {@code
 * aws-actions/amazon-ecr-login} and {@code aws-actions/amazon-ecs-render-task-definition} (which
 * needs no AWS call: it checks the definition against the SDK's ECS model), and {@code
 * gantry/health-check}, which judges what a deploy put live. They talk to AWS only through the AWS
 * SDK for Java v2, with the region, credentials and endpoints of the step's environment (never the
 * JVM's own), so pointing a workflow at another endpoint ({@code AWS_ENDPOINT_URL_STS}, {@code
 * AWS_ENDPOINT_URL_ECR}, {@code AWS_ENDPOINT_URL}) is a matter of {@code env:}, not of code.
 */
public final class AwsActions {

  private AwsActions() {}

  /** One instance of each AWS action, for {@link io.gantry.runner.action.ActionRegistry}. */
  public static List<Action> all() {
    return List.of(
        new ConfigureAwsCredentialsAction(),
        new AmazonEcrLoginAction(),
        new RenderTaskDefinitionAction(),
        new HealthCheckAction(),
        new AmazonEcsDeployTaskDefinitionAction(),
        new EcsRollbackAction());
  }
}
