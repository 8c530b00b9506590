package io.gantry.runner.action.builtin;

import io.gantry.runner.action.ActionContext;
import io.gantry.runner.deploy.HealthCheck;

/**
 * A step's context as the deploy package sees it: its log, its masks, its cancel flag, and the
 * health check's {@code status} and {@code probes} outputs.
 */
final class StepProgress implements HealthCheck.Probing {

  private final ActionContext context;

  StepProgress(ActionContext context) {
    this.context = context;
  }

  @Override
  public void log(String line) {
    context.log(line);
  }

  @Override
  public void addMask(String value) {
    context.addMask(value);
  }

  @Override
  public boolean cancelled() {
    return context.cancelled();
  }

  @Override
  public void probed(String status, int probes) {
    context.setOutput("status", status);
    context.setOutput("probes", String.valueOf(probes));
  }
}
