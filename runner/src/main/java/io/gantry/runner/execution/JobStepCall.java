package io.gantry.runner.execution;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.container.JobContainer;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.workflow.Step;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link StepCall} over the job's {@link JobScope} and the step's log ({@link StepOutput}). */
final class JobStepCall implements NestedStepCall {

  private final JobScope scope;
  private final Step step;
  private final int number;
  private final String name;
  private final Map<String, String> env;
  private final StepFields fields;
  private final long deadline;
  private final StepOutput out;
  private final List<StepRunner> runners;

  /** A step that starts after the cancel (if: always() or cancelled()) runs to its end. */
  private final boolean startedAfterCancel;

  final Map<String, String> outputs = new LinkedHashMap<>();

  JobStepCall(
      JobScope scope,
      Step step,
      int number,
      String name,
      Map<String, String> env,
      StepFields fields,
      long deadline,
      StepOutput out,
      List<StepRunner> runners) {
    this.scope = scope;
    this.step = step;
    this.number = number;
    this.name = name;
    this.env = env;
    this.fields = fields;
    this.deadline = deadline;
    this.out = out;
    this.runners = runners;
    this.startedAfterCancel = scope.cancelled();
  }

  @Override
  public JobScope scope() {
    return scope;
  }

  @Override
  public List<StepRunner> runners() {
    return runners;
  }

  @Override
  public Map<String, String> envContext() {
    return scope.envContext(step, env);
  }

  @Override
  public List<String> actionChain() {
    return List.of();
  }

  @Override
  public JobContainer jobContainer() {
    return scope.containers == null ? null : scope.containers.jobContainer();
  }

  @Override
  public String jobNetwork() {
    return scope.containers == null ? null : scope.containers.network();
  }

  @Override
  public String reachableFromJobNetwork(String url) {
    return scope.containers == null ? url : scope.containers.reachable(url);
  }

  @Override
  public Step step() {
    return step;
  }

  @Override
  public int number() {
    return number;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Map<String, String> env() {
    return env;
  }

  @Override
  public Map<String, String> with() {
    return fields.with();
  }

  @Override
  public String script() {
    return fields.script();
  }

  @Override
  public Path workingDirectory() {
    return fields.workingDirectory();
  }

  @Override
  public String shell() {
    return fields.shell();
  }

  @Override
  public Path workspace() {
    return scope.workspace;
  }

  @Override
  public Path stepFiles() {
    return scope.stepFiles;
  }

  @Override
  public long deadline() {
    return deadline;
  }

  @Override
  public boolean stopRequested() {
    return !startedAfterCancel && scope.cancelled();
  }

  @Override
  public Duration killGracePeriod() {
    return scope.run.options().killGracePeriod();
  }

  @Override
  public void processStarted(ProcessHandle leader) {
    scope.processStarted(leader);
  }

  @Override
  public void log(String line) {
    out.processLine(line);
  }

  @Override
  public void system(String text) {
    out.system(text);
  }

  @Override
  public void setOutput(String name, String value) {
    outputs.put(name, value);
  }

  @Override
  public void addMask(String value) {
    scope.run.masker().add(value);
  }

  @Override
  public String mask(String text) {
    return scope.run.masker().mask(text);
  }

  @Override
  public void exportVariable(String name, String value) {
    scope.exported.put(name, value);
  }

  @Override
  public void addPath(String path) {
    scope.pathPrefix.add(0, path);
  }

  @Override
  public RunRequest request() {
    return scope.run.request();
  }

  @Override
  public long runId() {
    return scope.run.runId();
  }

  @Override
  public Path cacheDirectory(String name) {
    Path dir = scope.run.options().dataDir().resolve("cache").resolve(name);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  @Override
  public RegistryLogins registryLogins() {
    return scope.registryLogins;
  }

  @Override
  public JobDeploys jobDeploys() {
    return scope.jobDeploys;
  }

  @Override
  public DeployHistory deployHistory() {
    return scope.run.deployHistory();
  }

  @Override
  public io.gantry.runner.artifact.RunArtifacts artifacts() {
    return scope.run.artifacts();
  }

  @Override
  public Map<String, String> preState() {
    return scope.preStates.get(number);
  }

  @Override
  public void preRan(Map<String, String> state) {
    scope.preStates.put(number, Map.copyOf(state));
  }

  @Override
  public void addPost(String condition, PostRun post) {
    scope.posts.push(new PostSteps.Post(step, name, env, fields, condition, post));
  }
}
