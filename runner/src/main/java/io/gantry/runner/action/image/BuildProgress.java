package io.gantry.runner.action.image;

import com.google.cloud.tools.jib.api.JibEvent;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Jib's events into step log lines: the base image, each application layer built or reused
 * from the cache, each base layer pulled, each blob pushed or found already in the registry, with
 * sizes; and counts them for the summary. Jib dispatches events from its worker threads, so every
 * method is synchronized.
 *
 * <p>Jib reports these facts in its events' descriptions and messages (this reads Jib core 0.28's
 * wording); a fact it no longer reports shows up as a missing line, never as a failed build.
 */
final class BuildProgress implements Consumer<JibEvent> {

  private static final Pattern DESCRIPTOR =
      Pattern.compile("digest: (sha256:[0-9a-f]{64}), size: (\\d+)");
  private static final Pattern BUILT =
      Pattern.compile("Building (.+) layer built (sha256:[0-9a-f]{64})");
  private static final Pattern PULLING =
      Pattern.compile("pulling base image layer (sha256:[0-9a-f]{64})");

  /** Terminal colour and cursor codes, which Jib's messages may carry and a log must not. */
  private static final Pattern TERMINAL_CODES = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]");

  private static final Pattern FAILOVER =
      Pattern.compile("(?:Cannot verify server at|Failed to connect to) https://([^/]+)/");

  private final Consumer<String> log;
  private final boolean debug;

  private final Map<String, Long> pushing = new HashMap<>();
  private final Set<String> uploaded = new HashSet<>();
  private final Set<String> present = new HashSet<>();
  private final Map<String, String> layerNames = new HashMap<>();
  private final Map<String, Long> pulledBytes = new LinkedHashMap<>();
  private final Set<String> plainHttpHosts = new HashSet<>();
  private final Set<String> builtNames = new HashSet<>();

  /** Blobs pushed and found, by digest, with their sizes. */
  private final Map<String, Long> pushed = new LinkedHashMap<>();

  private final Map<String, Long> existing = new LinkedHashMap<>();
  private int layersBuilt;
  private int layersReused;
  private boolean closed;

  BuildProgress(Consumer<String> log, boolean debug) {
    this.log = log;
    this.debug = debug;
  }

  @Override
  public synchronized void accept(JibEvent event) {
    if (closed) {
      return;
    }
    if (event instanceof LogEvent e) {
      onLog(e);
    } else if (event instanceof TimerEvent e) {
      onTimer(e);
    } else if (event instanceof ProgressEvent e) {
      onProgress(e);
    }
  }

  /**
   * Ends the log: once the build has succeeded or failed, Jib's threads that are still stopping
   * (interrupted pulls and pushes, with their I/O warnings and layer timers) add nothing to it, so
   * a failed build ends with its one-line error.
   */
  synchronized void close() {
    closed = true;
  }

  private void onLog(LogEvent event) {
    String message = TERMINAL_CODES.matcher(event.getMessage()).replaceAll("");
    Matcher failover = FAILOVER.matcher(message);
    if (event.getLevel() == LogEvent.Level.WARN && failover.find()) {
      if (plainHttpHosts.add(failover.group(1))) {
        log.accept("Registry " + failover.group(1) + " does not speak verified HTTPS; using HTTP");
      }
      return;
    }
    if (message.startsWith("Skipping push; BLOB already exists")) {
      Matcher d = DESCRIPTOR.matcher(message);
      if (d.find()) {
        present.add(d.group(1));
      }
    } else if (message.startsWith("Skipping pull; BLOB already exists")) {
      // A base layer the target repository has: neither pulled nor pushed.
      Matcher d = DESCRIPTOR.matcher(message);
      if (d.find() && existing.putIfAbsent(d.group(1), Long.parseLong(d.group(2))) == null) {
        log.accept(
            "Base layer already in the registry: "
                + shortDigest(d.group(1))
                + ", "
                + bytes(Long.parseLong(d.group(2))));
      }
    }
    Matcher built = BUILT.matcher(message);
    if (built.find()) {
      layerNames.put(built.group(2), built.group(1));
      builtNames.add(built.group(1));
    }
    if ((event.getLevel() == LogEvent.Level.ERROR || event.getLevel() == LogEvent.Level.WARN)
        && isIoReport(message)) {
      // Jib's report of a failed request: the build's own one-line error says what failed.
      if (debug && !message.isBlank()) {
        log.accept("jib: " + message.strip());
      }
      return;
    }
    switch (event.getLevel()) {
      case ERROR, WARN -> log.accept("Warning: " + message);
      case LIFECYCLE -> {
        if (!message.isBlank()) {
          log.accept(message);
        }
      }
      default -> {
        if (debug && !message.isBlank()) {
          log.accept("jib: " + message.strip());
        }
      }
    }
  }

  /**
   * Jib's report of a failed request ({@code RegistryEndpointCaller}): {@code I/O error for image
   * [host/repo]:} followed by the exception's class and message as indented lines of their own, and
   * a coloured hint after a broken pipe.
   */
  private static boolean isIoReport(String message) {
    return message.startsWith("I/O error for image")
        || message.startsWith("    ")
        || message.toLowerCase(Locale.ROOT).startsWith("broken pipe");
  }

  private void onTimer(TimerEvent event) {
    String description = event.getDescription();
    if (description.startsWith("Pushing BLOB ")) {
      Matcher d = DESCRIPTOR.matcher(description);
      if (!d.find()) {
        return;
      }
      String digest = d.group(1);
      long size = Long.parseLong(d.group(2));
      if (event.getState() == TimerEvent.State.START) {
        pushing.put(digest, size);
      } else if (event.getState() == TimerEvent.State.FINISHED && pushing.remove(digest) != null) {
        String name = layerNames.containsKey(digest) ? " (" + layerNames.get(digest) + ")" : "";
        if (uploaded.contains(digest)) {
          pushed.put(digest, size);
          log.accept("Pushed " + shortDigest(digest) + name + ", " + bytes(size));
        } else {
          existing.put(digest, size);
          log.accept(
              (present.contains(digest) ? "Already in the registry: " : "Mounted from the base: ")
                  + shortDigest(digest)
                  + name
                  + ", "
                  + bytes(size));
        }
      }
    } else if (description.startsWith("pushBlob PUT ")) {
      uploaded.add(description.substring("pushBlob PUT ".length()).strip());
    } else if (description.startsWith("Building ")
        && description.endsWith(" layer")
        && event.getState() == TimerEvent.State.FINISHED) {
      String name = description.substring("Building ".length(), description.length() - 6);
      if (builtNames.contains(name)) {
        layersBuilt++;
        String digest =
            layerNames.entrySet().stream()
                .filter(e -> e.getValue().equals(name))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse("");
        log.accept("Built layer '" + name + "' " + shortDigest(digest));
      } else {
        layersReused++;
        log.accept("Layer '" + name + "' is unchanged (from the layer cache)");
      }
    } else if (description.startsWith("Pulling base image layer ")
        && event.getState() == TimerEvent.State.FINISHED) {
      String digest = description.substring("Pulling base image layer ".length()).strip();
      Long pulled = pulledBytes.get(digest);
      if (pulled != null) {
        log.accept("Pulled base layer " + shortDigest(digest) + ", " + bytes(pulled));
      }
    }
  }

  private void onProgress(ProgressEvent event) {
    Matcher pulling = PULLING.matcher(event.getAllocation().getDescription());
    if (pulling.matches() && event.getUnits() > 0) {
      pulledBytes.merge(pulling.group(1), event.getUnits(), Long::sum);
    }
  }

  /** The figures of the build; {@code config} is the container configuration's digest. */
  synchronized BuiltImage.Stats stats(String config) {
    long pushedBytes = pushed.values().stream().mapToLong(Long::longValue).sum();
    long existingBytes =
        existing.entrySet().stream()
            .filter(e -> !e.getKey().equals(config))
            .mapToLong(Map.Entry::getValue)
            .sum();
    int layersPushed = (int) pushed.keySet().stream().filter(d -> !d.equals(config)).count();
    int layersExisting = (int) existing.keySet().stream().filter(d -> !d.equals(config)).count();
    return new BuiltImage.Stats(
        layersPushed,
        layersExisting,
        pushedBytes,
        existingBytes,
        pulledBytes.size(),
        pulledBytes.values().stream().mapToLong(Long::longValue).sum(),
        layersBuilt,
        layersReused);
  }

  static String shortDigest(String digest) {
    return digest.length() > 19 ? digest.substring(0, 19) : digest;
  }

  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
