package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.AwsEnvironment;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.EcsDeploy;
import io.gantry.runner.deploy.StepInputs;
import io.gantry.runner.workflow.InputProblem;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code aws-actions/amazon-ecs-deploy-task-definition}: {@link EcsDeploy} as a workflow step. It
 * reads and checks the inputs, deploys, sets the output {@code task-definition-arn} once a task
 * definition was registered, and leaves a deploy that succeeded in the job's {@link
 * io.gantry.runner.action.JobDeploys} for a later {@code gantry/health-check}.
 *
 * <p>Gantry's own inputs besides the original's: {@code rollback} ({@code on-failure}, the default,
 * or {@code never}), {@code service-definition} (a CreateService JSON file used when the service
 * does not exist yet) and {@code http-proxy}. Gantry waits for the rollout by default.
 */
final class AmazonEcsDeployTaskDefinitionAction implements Action {

  static final String NAME = "aws-actions/amazon-ecs-deploy-task-definition";

  private static final List<String> CODE_DEPLOY_INPUTS =
      List.of(
          "codedeploy-appspec",
          "codedeploy-application",
          "codedeploy-deployment-group",
          "codedeploy-deployment-description",
          "codedeploy-deployment-config");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1", "v2");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("task-definition", null);
    inputs.put("service", null);
    inputs.put("cluster", "default");
    // Gantry waits by default: a deploy is judged by what runs (the original's default is false).
    inputs.put("wait-for-service-stability", "true");
    inputs.put("wait-for-minutes", "30");
    inputs.put("force-new-deployment", "false");
    inputs.put("desired-count", null);
    inputs.put("enable-ecs-managed-tags", null);
    inputs.put("propagate-tags", null);
    inputs.put("run-task", "false");
    inputs.put("run-task-command", null);
    inputs.put("run-task-launch-type", "FARGATE");
    inputs.put("run-task-started-by", "GitHub-Actions");
    inputs.put("run-task-assign-public-IP", "DISABLED");
    inputs.put("run-task-subnets", null);
    inputs.put("run-task-security-groups", null);
    inputs.put("wait-for-task-stopped", "false");
    inputs.put("rollback", "on-failure");
    inputs.put("service-definition", null);
    inputs.put("http-proxy", null);
    for (String input : CODE_DEPLOY_INPUTS) {
      inputs.put(input, null);
    }
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("task-definition");
  }

  @Override
  public List<InputProblem> inputProblems(Map<String, String> with, Set<String> env) {
    return InputChecks.ecsDeploy(with, CODE_DEPLOY_INPUTS);
  }

  @Override
  public ActionResult run(ActionContext context) {
    EcsDeploy.Request request;
    try {
      request = request(context, new StepInputs(context.inputs()));
    } catch (AwsProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
    maskCredentials(context);
    EcsDeploy.Result result =
        EcsDeploy.deploy(request, context.deployHistory(), new StepProgress(context));
    if (result.taskDefinitionArn() != null) {
      context.setOutput("task-definition-arn", result.taskDefinitionArn());
    }
    if (result.deployed() != null && context.jobDeploys() != null) {
      context.jobDeploys().add(result.deployed());
    }
    return result.succeeded()
        ? ActionResult.ok()
        : ActionResult.failure(NAME + ": " + result.message());
  }

  private static EcsDeploy.Request request(ActionContext context, StepInputs in) throws AwsProblem {
    for (String input : CODE_DEPLOY_INPUTS) {
      if (!in.text(input).isEmpty()) {
        throw new AwsProblem(
            "input '"
                + input
                + "': CodeDeploy blue/green deployments are not supported by Gantry; remove the"
                + " codedeploy-* inputs to deploy with ECS's rolling update");
      }
    }
    String cluster = in.text("cluster").isEmpty() ? "default" : in.text("cluster");
    boolean wait = in.bool("wait-for-service-stability", true);
    int waitMinutes = in.integer("wait-for-minutes", 30, 1, 360);
    boolean force = in.bool("force-new-deployment", false);
    Integer desiredCount =
        in.text("desired-count").isEmpty()
            ? null
            : in.integer("desired-count", 0, 0, Integer.MAX_VALUE);
    Boolean managedTags =
        in.text("enable-ecs-managed-tags").isEmpty()
            ? null
            : in.bool("enable-ecs-managed-tags", false);
    String propagate = in.text("propagate-tags").toUpperCase(Locale.ROOT);
    if (!propagate.isEmpty() && !Set.of("SERVICE", "TASK_DEFINITION", "NONE").contains(propagate)) {
      throw new AwsProblem(
          "input 'propagate-tags' must be SERVICE, TASK_DEFINITION or NONE, got '"
              + in.text("propagate-tags")
              + "'");
    }
    boolean runTask = in.bool("run-task", false);
    boolean waitForTask = in.bool("wait-for-task-stopped", false);
    String rollback = in.text("rollback").toLowerCase(Locale.ROOT);
    if (!rollback.isEmpty() && !rollback.equals("on-failure") && !rollback.equals("never")) {
      throw new AwsProblem(
          "input 'rollback' must be 'on-failure' (the default) or 'never', got '"
              + in.text("rollback")
              + "'");
    }
    EcsDeploy.OneOff oneOff =
        runTask
            ? new EcsDeploy.OneOff(
                in.text("run-task-command"),
                in.text("run-task-launch-type"),
                in.text("run-task-started-by"),
                in.text("run-task-assign-public-IP"),
                in.text("run-task-subnets"),
                in.text("run-task-security-groups"),
                waitForTask)
            : null;
    return new EcsDeploy.Request(
        context.workspace(),
        in.text("task-definition"),
        cluster,
        in.text("service"),
        wait,
        Duration.ofMinutes(waitMinutes),
        force,
        desiredCount,
        managedTags,
        propagate,
        oneOff,
        !rollback.equals("never"),
        in.text("service-definition"),
        in.text("http-proxy"),
        context.env(),
        context.runId(),
        context.sha(),
        context.actor());
  }

  /** Masks the secret key of the step's environment before anything is logged. */
  private static void maskCredentials(ActionContext context) {
    try {
      new AwsEnvironment(context.env())
          .credentials()
          .ifPresent(c -> context.addMask(c.secretAccessKey()));
    } catch (AwsProblem e) {
      // Only half a key pair is set: the deploy reports it in its own words.
    }
  }
}
