package io.gantry.runner.action.aws;

import io.gantry.runner.action.Action;
import java.util.List;

/**
 * The built-in AWS actions: {@code aws-actions/configure-aws-credentials} and {@code
 * aws-actions/amazon-ecr-login}. They talk to AWS only through the AWS SDK for Java v2, with the
 * region, credentials and endpoints of the step's environment (never the JVM's own), so pointing a
 * workflow at another endpoint ({@code AWS_ENDPOINT_URL_STS}, {@code AWS_ENDPOINT_URL_ECR}, {@code
 * AWS_ENDPOINT_URL}) is a matter of {@code env:}, not of code.
 */
public final class AwsActions {

  private AwsActions() {}

  /** One instance of each AWS action, for {@link io.gantry.runner.action.ActionRegistry}. */
  public static List<Action> all() {
    return List.of(
        new ConfigureAwsCredentialsAction(),
        new AmazonEcrLoginAction(),
        new AmazonEcsDeployTaskDefinitionAction(),
        new EcsRollbackAction());
  }
}
