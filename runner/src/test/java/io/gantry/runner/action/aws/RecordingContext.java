package io.gantry.runner.action.aws;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.log.Masker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The executor's side of one action step, recorded: inputs with the action's defaults, the step's
 * environment, and what the action logged, masked, exported and output. {@link #next} makes the
 * following step of the same job, which sees the exported variables and shares the job's {@link
 * RegistryLogins} and masks, as the executor does.
 */
final class RecordingContext implements ActionContext {

  private final Map<String, String> inputs = new LinkedHashMap<>();
  private final Map<String, String> env;
  private final Path workspace;
  private final RegistryLogins logins;
  private final Masker masker;
  final List<String> lines = new ArrayList<>();
  final List<String> masks = new ArrayList<>();
  final Map<String, String> outputs = new LinkedHashMap<>();
  final Map<String, String> exported = new LinkedHashMap<>();
  private volatile boolean cancelled;

  private RecordingContext(
      Action action,
      Map<String, String> given,
      Map<String, String> env,
      Path workspace,
      RegistryLogins logins,
      Masker masker) {
    action.inputs().forEach((k, v) -> {
      if (v != null) {
        inputs.put(k, v);
      }
    });
    inputs.putAll(given);
    this.env = new LinkedHashMap<>(env);
    this.workspace = workspace;
    this.logins = logins;
    this.masker = masker;
  }

  /** The first action step of a job. */
  static RecordingContext first(
      Action action, Map<String, String> inputs, Map<String, String> env, Path workspace) {
    return new RecordingContext(
        action, inputs, env, workspace, new RegistryLogins(), new Masker());
  }

  /** The next action step of the same job. */
  RecordingContext next(Action action, Map<String, String> inputs) {
    Map<String, String> nextEnv = new LinkedHashMap<>(env);
    nextEnv.putAll(exported);
    RecordingContext next =
        new RecordingContext(action, inputs, nextEnv, workspace, logins, masker);
    next.masks.addAll(masks);
    return next;
  }

  /** The log as the job's log would show it: every line masked. */
  List<String> maskedLines() {
    return lines.stream().map(masker::mask).toList();
  }

  /** A text as the log would show it. */
  String masked(String text) {
    return masker.mask(text);
  }

  @Override
  public Map<String, String> inputs() {
    return inputs;
  }

  @Override
  public Map<String, String> env() {
    return env;
  }

  @Override
  public Path workspace() {
    return workspace;
  }

  @Override
  public Path sourceDirectory() {
    return null;
  }

  @Override
  public RemoteRepository remote() {
    return null;
  }

  @Override
  public String sha() {
    return "0123456789abcdef0123456789abcdef01234567";
  }

  @Override
  public String ref() {
    return "refs/heads/main";
  }

  @Override
  public void log(String line) {
    lines.add(line);
  }

  @Override
  public void setOutput(String name, String value) {
    outputs.put(name, value);
  }

  @Override
  public void addMask(String value) {
    if (value != null && !value.isBlank()) {
      masks.add(value);
      masker.add(value);
    }
  }

  @Override
  public void exportVariable(String name, String value) {
    exported.put(name, value);
  }

  @Override
  public void addPath(String path) {}

  @Override
  public Path cacheDirectory(String name) {
    return workspace.resolveSibling("cache-" + name);
  }

  @Override
  public RegistryLogins registryLogins() {
    return logins;
  }

  /** Cancels the step, as the executor does on a cancel or the step's timeout. */
  void cancel() {
    cancelled = true;
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }
}
