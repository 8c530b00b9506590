package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.HealthCheck;
import io.gantry.runner.deploy.HealthCheckSettings;
import io.gantry.runner.deploy.ServiceRollback;
import io.gantry.runner.deploy.StepInputs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code gantry/health-check}: {@link HealthCheck} as a workflow step. Outputs: {@code status} (of
 * the last answer; empty when none came) and {@code probes}, set whether the step passes or fails.
 * After a deploy of the same job, a check that passes is recorded on the deployments it judged
 * ({@link HealthCheck#recordPassed}); one that fails rolls them back ({@link
 * ServiceRollback#afterFailedCheck}) and the step's message ends with {@code rolled back to web:3
 * from run 7}.
 */
final class HealthCheckAction implements Action {

  static final String NAME = "gantry/health-check";

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
    inputs.put("url", null);
    inputs.put("method", "GET");
    inputs.put("headers", null);
    inputs.put("expect-status", "200-399");
    inputs.put("expect-body", null);
    inputs.put("expect-json", null);
    inputs.put("interval", "2s");
    inputs.put("request-timeout", "5s");
    inputs.put("timeout", "2m");
    inputs.put("consecutive-successes", "3");
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of("url");
  }

  @Override
  public ActionResult run(ActionContext context) throws InterruptedException {
    HealthCheckSettings settings = HealthCheckSettings.of(new StepInputs(context.inputs()));
    HealthCheck.Verdict verdict;
    try {
      verdict = HealthCheck.check(settings, new StepProgress(context));
    } catch (AwsProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
    if (verdict.healthy()) {
      HealthCheck.recordPassed(
          context.jobDeploys(), context.deployHistory(), settings, context::mask, context::log);
      return ActionResult.ok();
    }
    if (context.cancelled()) {
      return ActionResult.failure(NAME + ": " + verdict.message());
    }
    return ActionResult.failure(
        NAME
            + ": "
            + verdict.message()
            + ServiceRollback.afterFailedCheck(
                context.jobDeploys(),
                context.deployHistory(),
                context.runId(),
                context.sha(),
                new StepProgress(context),
                verdict.message()));
  }
}
