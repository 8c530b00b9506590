package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionRegistry;
import io.gantry.runner.git.Mirrors;
import java.util.ArrayList;
import java.util.List;

/**
 * The actions that ship with Gantry, one class each: {@code actions/checkout}, {@code
 * gantry/build-image}, the AWS actions {@code aws-actions/configure-aws-credentials}, {@code
 * aws-actions/amazon-ecr-login}, {@code aws-actions/amazon-ecs-render-task-definition} and {@code
 * aws-actions/amazon-ecs-deploy-task-definition}, and Gantry's {@code gantry/health-check} and
 * {@code gantry/ecs-rollback}, and {@code actions/upload-artifact} and {@code
 * actions/download-artifact} over {@code io.gantry.runner.artifact}. The AWS ones talk to AWS only
 * through the AWS SDK for Java v2, with the region, credentials and endpoints of the step's
 * environment (never the JVM's own), so pointing a workflow at another endpoint ({@code
 * AWS_ENDPOINT_URL_STS}, {@code AWS_ENDPOINT_URL_ECR}, {@code AWS_ENDPOINT_URL}) is a matter of
 * {@code env:}, not of code.
 */
public final class BuiltInActions {

  private BuiltInActions() {}

  /**
   * The built-in actions, for runs of a local directory only: a run of a remote repository fails at
   * {@code actions/checkout} for want of a mirror cache.
   */
  public static ActionRegistry registry() {
    return registry(null);
  }

  /** The built-in actions; {@code actions/checkout} clones through {@code mirrors}. */
  public static ActionRegistry registry(Mirrors mirrors) {
    return new ActionRegistry(all(mirrors));
  }

  /** One instance of each built-in action. */
  static List<Action> all(Mirrors mirrors) {
    List<Action> all = new ArrayList<>();
    all.add(new CheckoutAction(mirrors));
    all.add(new BuildImageAction());
    all.add(new UploadArtifactAction());
    all.add(new DownloadArtifactAction());
    all.addAll(aws());
    return all;
  }

  /** The AWS actions, with Gantry's health check and ECS rollback. */
  static List<Action> aws() {
    return List.of(
        new ConfigureAwsCredentialsAction(),
        new AmazonEcrLoginAction(),
        new RenderTaskDefinitionAction(),
        new HealthCheckAction(),
        new AmazonEcsDeployTaskDefinitionAction(),
        new EcsRollbackAction());
  }
}
