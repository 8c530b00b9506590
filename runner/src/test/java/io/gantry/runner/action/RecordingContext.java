package io.gantry.runner.action;

import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.log.Masker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The executor's side of one {@code uses:} step, recorded: inputs with the action's defaults, the
 * environment plus overrides, and what the action logged, masked, exported and output. The log
 * keeps what the action wrote before masking, so a test can check that no secret was ever written;
 * {@link #maskedLines} is the log as the job's log would show it. {@link #next} makes the following
 * step of the same job, which sees the exported variables and shares the job's {@link
 * RegistryLogins} and masks, as the executor does. Shared by the tests of every built-in action.
 */
public final class RecordingContext implements ActionContext {

  public final Map<String, String> inputs = new LinkedHashMap<>();
  public final Map<String, String> env;
  public final List<String> lines = new CopyOnWriteArrayList<>();
  public final Map<String, String> outputs = new LinkedHashMap<>();
  public final List<String> masks = new ArrayList<>();
  public final Map<String, String> exported = new LinkedHashMap<>();
  public RegistryLogins logins;
  public String sha = "0123456789abcdef0123456789abcdef01234567";
  public RemoteRepository remote;
  public Path source;
  public volatile boolean cancelled;
  private final Path workspace;
  private final Path cache;
  private final Masker masker;

  /** A step with the host's environment, caches in {@code cache}. */
  public RecordingContext(Action action, Path workspace, Path cache, Map<String, String> given) {
    this(action, given, System.getenv(), workspace, cache, new RegistryLogins(), new Masker());
  }

  private RecordingContext(
      Action action,
      Map<String, String> given,
      Map<String, String> env,
      Path workspace,
      Path cache,
      RegistryLogins logins,
      Masker masker) {
    action
        .inputs()
        .forEach(
            (k, v) -> {
              if (v != null) {
                inputs.put(k, v);
              }
            });
    inputs.putAll(given);
    this.env = new HashMap<>(env);
    this.workspace = workspace;
    this.cache = cache;
    this.logins = logins;
    this.masker = masker;
  }

  /** The first action step of a job, with exactly {@code env}; caches beside the workspace. */
  public static RecordingContext first(
      Action action, Map<String, String> inputs, Map<String, String> env, Path workspace) {
    return new RecordingContext(
        action,
        inputs,
        env,
        workspace,
        workspace.resolveSibling("cache"),
        new RegistryLogins(),
        new Masker());
  }

  /** The next action step of the same job. */
  public RecordingContext next(Action action, Map<String, String> given) {
    Map<String, String> nextEnv = new LinkedHashMap<>(env);
    nextEnv.putAll(exported);
    RecordingContext next =
        new RecordingContext(action, given, nextEnv, workspace, cache, logins, masker);
    next.masks.addAll(masks);
    return next;
  }

  /** The log as the job's log would show it: every line masked. */
  public List<String> maskedLines() {
    return lines.stream().map(masker::mask).toList();
  }

  /** A text as the log would show it. */
  public String masked(String text) {
    return masker.mask(text);
  }

  /** Cancels the step, as the executor does on a cancel or the step's timeout. */
  public void cancel() {
    cancelled = true;
  }

  /** Everything logged, one line each. */
  public String log() {
    return String.join("\n", lines);
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
    return source;
  }

  @Override
  public RemoteRepository remote() {
    return remote;
  }

  @Override
  public String sha() {
    return sha;
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
    try {
      return Files.createDirectories(cache.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public RegistryLogins registryLogins() {
    return logins;
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }
}
