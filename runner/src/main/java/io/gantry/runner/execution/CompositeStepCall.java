package io.gantry.runner.execution;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.workflow.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One step of a composite action as its runner sees it: its own fields, number and step-files
 * folder (below the calling step's), everything else — the log, masking, processes, the job's
 * logins and deploys — the calling step's. Exported variables and {@code PATH} entries go to the
 * composite action (for its later steps) and from there to the job.
 */
final class CompositeStepCall implements NestedStepCall {

  private final NestedStepCall parent;
  private final Step step;
  private final int number;
  private final String name;
  private final Map<String, String> env;
  private final Map<String, String> envContext;
  private final StepFields fields;
  private final Path stepFiles;
  private final long deadline;
  private final List<String> chain;
  private final BiConsumer<String, String> exporter;
  private final Consumer<String> pathAdder;

  final Map<String, String> outputs = new LinkedHashMap<>();

  CompositeStepCall(
      NestedStepCall parent,
      Step step,
      int number,
      String name,
      Map<String, String> env,
      Map<String, String> envContext,
      StepFields fields,
      Path stepFiles,
      long deadline,
      List<String> chain,
      BiConsumer<String, String> exporter,
      Consumer<String> pathAdder) {
    this.parent = parent;
    this.step = step;
    this.number = number;
    this.name = name;
    this.env = env;
    this.envContext = envContext;
    this.fields = fields;
    this.stepFiles = stepFiles;
    this.deadline = deadline;
    this.chain = chain;
    this.exporter = exporter;
    this.pathAdder = pathAdder;
  }

  @Override
  public JobScope scope() {
    return parent.scope();
  }

  @Override
  public List<StepRunner> runners() {
    return parent.runners();
  }

  @Override
  public Map<String, String> envContext() {
    return envContext;
  }

  @Override
  public List<String> actionChain() {
    return chain;
  }

  @Override
  public io.gantry.runner.container.JobContainer jobContainer() {
    // a composite action's run: steps run where the job's do
    return parent.jobContainer();
  }

  @Override
  public String jobNetwork() {
    return parent.jobNetwork();
  }

  @Override
  public String reachableFromJobNetwork(String url) {
    return parent.reachableFromJobNetwork(url);
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
    return parent.workspace();
  }

  @Override
  public Path stepFiles() {
    return stepFiles;
  }

  @Override
  public long deadline() {
    return deadline;
  }

  @Override
  public boolean stopRequested() {
    return parent.stopRequested();
  }

  @Override
  public Duration killGracePeriod() {
    return parent.killGracePeriod();
  }

  @Override
  public void processStarted(ProcessHandle leader) {
    parent.processStarted(leader);
  }

  @Override
  public void log(String line) {
    parent.log(line);
  }

  @Override
  public void system(String text) {
    parent.system(text);
  }

  @Override
  public void setOutput(String name, String value) {
    outputs.put(name, value);
  }

  @Override
  public void addMask(String value) {
    parent.addMask(value);
  }

  @Override
  public String mask(String text) {
    return parent.mask(text);
  }

  @Override
  public void exportVariable(String name, String value) {
    exporter.accept(name, value);
  }

  @Override
  public void addPath(String path) {
    pathAdder.accept(path);
  }

  @Override
  public RunRequest request() {
    return parent.request();
  }

  @Override
  public long runId() {
    return parent.runId();
  }

  @Override
  public Path cacheDirectory(String name) {
    return parent.cacheDirectory(name);
  }

  @Override
  public RegistryLogins registryLogins() {
    return parent.registryLogins();
  }

  @Override
  public JobDeploys jobDeploys() {
    return parent.jobDeploys();
  }

  @Override
  public DeployHistory deployHistory() {
    return parent.deployHistory();
  }
}
