package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.engine.ContainerEngine.ExecResult;
import io.gantry.engine.ContainerEngine.HealthCheckSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One service container: started on the job's network with its id as host name, its ports published
 * on 127.0.0.1, then waited for until healthy.
 *
 * <p>Healthy means: its {@code --health-cmd} passed (Gantry runs the check through Podman's
 * healthcheck endpoint, every {@code --health-interval} but at least five times a second, as
 * Podman's timer would need systemd), or, without a check, every published TCP port accepting
 * connections, or, without either, running. The wait is bounded by {@code --health-start-period}
 * plus {@code (--health-interval + --health-timeout) × --health-retries} (60 s without a check) and
 * by the job's own timeout.
 */
record Service(String id, ContainerSettings settings, Map<String, String> ports) {

  static final Duration PORT_WAIT = Duration.ofSeconds(60);

  /**
   * Creates and starts the container; a {@link ContainerException} naming it when the engine
   * refuses, after {@code created} was told of the id when the container was created.
   */
  static Service run(
      ContainerEngine engine,
      ContainerSettings s,
      String network,
      String name,
      Map<String, String> labels,
      Consumer<String> created) {
    String id;
    try {
      id =
          engine.create(
              CreateSpecs.of(
                  s,
                  new CreateSpecs.Base(
                      name,
                      network,
                      List.of(s.name()),
                      labels,
                      List.of(),
                      List.of(),
                      null,
                      null,
                      null)));
    } catch (EngineException e) {
      throw new ContainerException(s.what() + " did not start: " + e.getMessage());
    }
    created.accept(id);
    try {
      engine.start(id);
    } catch (EngineException e) {
      throw new ContainerException(s.what() + " did not start: " + e.getMessage());
    }
    ContainerStatus status = engine.inspect(id);
    return new Service(id, s, status == null ? Map.of() : ports(status.hostPorts()));
  }

  /** Container port ("5432", or "53/udp") to host port, from the engine's "5432/tcp" keys. */
  static Map<String, String> ports(Map<String, Integer> hostPorts) {
    Map<String, String> ports = new LinkedHashMap<>();
    hostPorts.forEach(
        (container, host) ->
            ports.put(
                container.endsWith("/tcp") ? container.replace("/tcp", "") : container,
                Integer.toString(host)));
    return ports;
  }

  Map<String, Object> context(String network) {
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("id", id);
    context.put("network", network);
    context.put("ports", new LinkedHashMap<String, Object>(ports));
    return context;
  }

  void awaitHealthy(
      ContainerEngine engine, long jobDeadline, BooleanSupplier cancelled, Consumer<String> log) {
    ContainerSettings.Health health = settings.health();
    Duration bound =
        health == null
            ? PORT_WAIT
            : health
                .startPeriod()
                .plus(health.interval().plus(health.timeout()).multipliedBy(health.retries()));
    long deadline = Math.min(System.nanoTime() + bound.toNanos(), jobDeadline);
    // Gantry drives the checks while it waits: every interval, but at least five times a second,
    // so a service that is up is seen within 200 ms (Podman's own timer needs systemd).
    Duration poll =
        health == null || health.interval().compareTo(Duration.ofMillis(200)) > 0
            ? Duration.ofMillis(200)
            : health.interval();
    HealthCheckSpec check =
        health == null
            ? null
            : new HealthCheckSpec(
                List.of("CMD-SHELL", health.command()),
                health.interval(),
                health.timeout(),
                health.retries(),
                health.startPeriod());
    String last = "no check ran yet";
    while (true) {
      if (cancelled.getAsBoolean()) {
        throw new ContainerException(
            "cancelled while waiting for " + settings.what() + " to become healthy");
      }
      if (check != null) {
        ExecResult result;
        try {
          result = engine.check(id, check);
        } catch (EngineException e) {
          result = new ExecResult(-1, e.getMessage());
        }
        if (result.exitCode() == 0) {
          log.accept("Service '" + settings.name() + "' is healthy");
          return;
        }
        last = result.output();
      } else {
        String closed = closedPort();
        if (closed == null) {
          log.accept(
              "Service '"
                  + settings.name()
                  + "' is running"
                  + (ports.isEmpty() ? "" : ", ports " + ports));
          return;
        }
        last = closed;
      }
      String exited = exited(engine);
      if (exited != null) {
        throw new ContainerException(settings.what() + " " + exited);
      }
      if (System.nanoTime() - deadline >= 0) {
        if (check != null) {
          String recorded = lastHealthCheck(engine);
          last = recorded == null ? last : recorded;
        }
        throw new ContainerException(
            settings.what()
                + " did not become healthy within "
                + Math.max(1, bound.toSeconds())
                + " s; last "
                + (health == null ? "port check: " : "health check: ")
                + oneLine(last));
      }
      sleep(poll);
    }
  }

  private String lastHealthCheck(ContainerEngine engine) {
    try {
      return engine.lastHealthCheck(id);
    } catch (EngineException e) {
      return null;
    }
  }

  /** Null while running; else "exited with code N: LAST LOG LINE". */
  private String exited(ContainerEngine engine) {
    ContainerStatus state;
    try {
      state = engine.inspect(id);
    } catch (EngineException e) {
      return "is gone: " + e.getMessage();
    }
    if (state == null) {
      return "is gone";
    }
    if (state.running()) {
      return null;
    }
    String line;
    try {
      line = oneLine(engine.logs(id));
    } catch (EngineException e) {
      line = "";
    }
    return "exited with code "
        + state.exitCode()
        + " before it became healthy"
        + (line.isEmpty() ? "" : ": " + line);
  }

  /** Null when every TCP port accepts a connection on 127.0.0.1, else which one does not. */
  private String closedPort() {
    for (Map.Entry<String, String> p : ports.entrySet()) {
      if (p.getKey().endsWith("/udp")) {
        continue;
      }
      try (Socket socket = new Socket()) {
        socket.connect(
            new InetSocketAddress(
                java.net.InetAddress.getLoopbackAddress(), Integer.parseInt(p.getValue())),
            1000);
      } catch (IOException | NumberFormatException e) {
        return "port " + p.getKey() + " (127.0.0.1:" + p.getValue() + "): " + e.getMessage();
      }
    }
    return null;
  }

  static String oneLine(String text) {
    String t = text == null ? "" : text.strip();
    String[] lines = t.split("\n");
    String last = lines[lines.length - 1].strip();
    return last.length() > 300 ? last.substring(0, 300) + "…" : last;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException("interrupted while waiting for a service");
    }
  }
}
