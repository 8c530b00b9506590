package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.AwsEnvironment;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.ServiceRollback;
import io.gantry.runner.deploy.StepInputs;
import io.gantry.runner.workflow.InputProblem;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code gantry/ecs-rollback}: {@link ServiceRollback} as a workflow step, for rollback workflows
 * run by hand. Inputs {@code service}, {@code cluster} (default {@code default}), {@code to} (a
 * deployment id, {@code run:N} or a task definition; default the last known good deployment before
 * the newest), {@code wait-for-service-stability} (default true) and {@code wait-for-minutes}
 * (default 30). Once the service runs the chosen task definition, that deployment's recorded health
 * check is run again, and the step fails if it does not pass.
 */
final class EcsRollbackAction implements Action {

  static final String NAME = "gantry/ecs-rollback";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("service", null);
    inputs.put("cluster", "default");
    inputs.put("to", null);
    inputs.put("wait-for-service-stability", "true");
    inputs.put("wait-for-minutes", "30");
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("service");
  }

  @Override
  public List<InputProblem> inputProblems(Map<String, String> with, Set<String> env) {
    return InputChecks.waitForMinutes(with);
  }

  @Override
  public ActionResult run(ActionContext context) {
    StepInputs in = new StepInputs(context.inputs());
    try {
      if (context.deployHistory() == null) {
        throw new AwsProblem("no deploy history is available to this step; nothing was changed");
      }
      new AwsEnvironment(context.env())
          .credentials()
          .ifPresent(c -> context.addMask(c.secretAccessKey()));
      String cluster = in.text("cluster").isEmpty() ? "default" : in.text("cluster");
      ServiceRollback.Request request =
          new ServiceRollback.Request(
              context.env(),
              cluster,
              in.text("service"),
              in.text("to"),
              in.bool("wait-for-service-stability", true),
              Duration.ofMinutes(in.integer("wait-for-minutes", 30, 1, 360)),
              (context.runId() == 0 ? "gantry/ecs-rollback" : "run " + context.runId())
                  + (context.actor() == null ? "" : " by " + context.actor()),
              context.runId() == 0 ? null : context.runId(),
              context.sha());
      ServiceRollback.Result result =
          ServiceRollback.rollBack(
              request, context.deployHistory(), context::log, context::cancelled);
      if (!result.succeeded()) {
        return ActionResult.failure(NAME + ": " + result.message());
      }
      context.log(result.message());
      return ActionResult.ok();
    } catch (AwsProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
  }
}
