package io.gantry.runner.action;

import io.gantry.runner.git.RemoteRepository;
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
 * host's environment plus overrides, log lines, outputs and masks. The log keeps what the action
 * wrote before masking, so a test can check that no secret was ever written.
 */
final class RecordingContext implements ActionContext {

  final Map<String, String> inputs = new LinkedHashMap<>();
  final Map<String, String> env = new HashMap<>(System.getenv());
  final List<String> lines = new CopyOnWriteArrayList<>();
  final Map<String, String> outputs = new HashMap<>();
  final List<String> masks = new ArrayList<>();
  RegistryLogins logins = new RegistryLogins();
  String sha = "0123456789abcdef0123456789abcdef01234567";
  RemoteRepository remote;
  Path source;
  volatile boolean cancelled;
  private final Path workspace;
  private final Path cache;

  RecordingContext(Action action, Path workspace, Path cache, Map<String, String> given) {
    action
        .inputs()
        .forEach(
            (k, v) -> {
              if (v != null) {
                inputs.put(k, v);
              }
            });
    inputs.putAll(given);
    this.workspace = workspace;
    this.cache = cache;
  }

  /** Everything logged, one line each. */
  String log() {
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
    masks.add(value);
  }

  @Override
  public void exportVariable(String name, String value) {}

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
