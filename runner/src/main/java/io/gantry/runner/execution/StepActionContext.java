package io.gantry.runner.execution;

import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.store.DeployHistory;
import java.nio.file.Path;
import java.util.Map;

/** What a built-in action sees of its step: the {@link ActionContext} over a {@link StepCall}. */
final class StepActionContext implements ActionContext {

  private final StepCall step;
  private final Map<String, String> inputs;

  StepActionContext(StepCall step, Map<String, String> inputs) {
    this.step = step;
    this.inputs = inputs;
  }

  @Override
  public Map<String, String> inputs() {
    return inputs;
  }

  @Override
  public Map<String, String> env() {
    return step.env();
  }

  @Override
  public Path workspace() {
    return step.workspace();
  }

  @Override
  public Path sourceDirectory() {
    return step.request().sourceDirectory();
  }

  @Override
  public RemoteRepository remote() {
    return step.request().remote();
  }

  @Override
  public String sha() {
    return step.request().sha();
  }

  @Override
  public String ref() {
    return step.request().ref();
  }

  @Override
  public void log(String line) {
    step.log(line);
  }

  @Override
  public void setOutput(String name, String value) {
    step.setOutput(name, value);
  }

  @Override
  public void addMask(String value) {
    step.addMask(value);
  }

  @Override
  public void exportVariable(String name, String value) {
    step.exportVariable(name, value);
  }

  @Override
  public void addPath(String path) {
    step.addPath(path);
  }

  @Override
  public Path cacheDirectory(String name) {
    return step.cacheDirectory(name);
  }

  @Override
  public RegistryLogins registryLogins() {
    return step.registryLogins();
  }

  @Override
  public long runId() {
    return step.runId();
  }

  @Override
  public String actor() {
    return step.request().actor();
  }

  @Override
  public DeployHistory deployHistory() {
    return step.deployHistory();
  }

  @Override
  public JobDeploys jobDeploys() {
    return step.jobDeploys();
  }

  @Override
  public io.gantry.runner.artifact.RunArtifacts artifacts() {
    return step.artifacts();
  }

  @Override
  public String mask(String text) {
    return step.mask(text);
  }

  @Override
  public boolean cancelled() {
    return step.stopRequested() || System.nanoTime() - step.deadline() >= 0;
  }
}
