package io.gantry.runner.container;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One service container: started on the job's network with its id as host name, its ports published
 * on 127.0.0.1, then waited for until healthy.
 *
 * <p>Healthy means: its {@code --health-cmd} passed (Gantry runs the check, every {@code
 * --health-interval} but at least five times a second, as Podman's timer would need systemd), or,
 * without a check, every published TCP port accepting connections, or, without either, running. The
 * wait is bounded by {@code --health-start-period} plus {@code (--health-interval +
 * --health-timeout) × --health-retries} (60 s without a check) and by the job's own timeout.
 */
record Service(String id, ContainerSettings settings, Map<String, String> ports) {

  static final Duration PORT_WAIT = Duration.ofSeconds(60);

  static Service run(
      Podman podman, ContainerSettings s, String network, String name, List<String> labels) {
    List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
    args.addAll(labels);
    args.addAll(List.of("--network", network, "--network-alias", s.name()));
    Map<String, String> secretEnv = new LinkedHashMap<>();
    s.env()
        .forEach(
            (k, v) -> {
              args.add("--env=" + k);
              secretEnv.put(k, v);
            });
    for (String port : s.ports()) {
      args.add("--publish=" + publish(port));
    }
    for (String volume : s.volumes()) {
      args.add("--volume=" + volume);
    }
    args.addAll(s.runArgs());
    args.add(s.image());
    Podman.Result result = podman.run(JobContainers.COMMAND_TIMEOUT, args, secretEnv);
    if (!result.ok()) {
      // a container that was created but could not start is removed by name
      podman.run(JobContainers.COMMAND_TIMEOUT, "rm", "-f", "-t", "0", name);
      throw new ContainerException(s.what() + " did not start: " + result.error());
    }
    String id = lastLine(result.out());
    return new Service(id, s, ports(podman, id));
  }

  /** {@code [HOST:]CONTAINER[/proto]} published on the loopback address. */
  static String publish(String port) {
    String p = port.strip();
    return p.contains(":") ? "127.0.0.1:" + p : "127.0.0.1::" + p;
  }

  /** Container port ("5432", or "53/udp") to host port, from {@code podman port}. */
  static Map<String, String> ports(Podman podman, String id) {
    Map<String, String> ports = new LinkedHashMap<>();
    Podman.Result result = podman.run(JobContainers.COMMAND_TIMEOUT, "port", id);
    for (String line : result.out().split("\n")) {
      // 5432/tcp -> 127.0.0.1:41234
      String[] parts = line.strip().split("\\s*->\\s*");
      if (parts.length == 2) {
        String container = parts[0].endsWith("/tcp") ? parts[0].replace("/tcp", "") : parts[0];
        ports.put(container, parts[1].substring(parts[1].lastIndexOf(':') + 1));
      }
    }
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
      Podman podman, long jobDeadline, BooleanSupplier cancelled, Consumer<String> log) {
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
    String last = "no check ran yet";
    while (true) {
      if (cancelled.getAsBoolean()) {
        throw new ContainerException(
            "cancelled while waiting for " + settings.what() + " to become healthy");
      }
      if (health != null) {
        Podman.Result check =
            podman.run(
                health.timeout().plus(JobContainers.COMMAND_TIMEOUT), "healthcheck", "run", id);
        if (check.ok()) {
          log.accept("Service '" + settings.name() + "' is healthy");
          return;
        }
        last = lastHealthOutput(podman, check);
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
      String exited = exited(podman);
      if (exited != null) {
        throw new ContainerException(settings.what() + " " + exited);
      }
      if (System.nanoTime() - deadline >= 0) {
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

  /** Null while running; else "exited with code N: LAST LOG LINE". */
  private String exited(Podman podman) {
    Podman.Result state =
        podman.run(
            JobContainers.COMMAND_TIMEOUT,
            "inspect",
            "--format",
            "{{.State.Running}} {{.State.ExitCode}}",
            id);
    if (!state.ok()) {
      return "is gone: " + state.error();
    }
    if (state.out().startsWith("true")) {
      return null;
    }
    String code = state.out().substring(state.out().indexOf(' ') + 1);
    Podman.Result logs = podman.run(JobContainers.COMMAND_TIMEOUT, "logs", "--tail", "1", id);
    String line = oneLine(logs.out().isBlank() ? logs.err() : logs.out());
    return "exited with code "
        + code
        + " before it became healthy"
        + (line.isEmpty() ? "" : ": " + line);
  }

  /** The output of the last check Podman recorded, else what {@code healthcheck run} said. */
  private String lastHealthOutput(Podman podman, Podman.Result check) {
    Podman.Result log =
        podman.run(
            JobContainers.COMMAND_TIMEOUT, "inspect", "--format", "{{json .State.Health.Log}}", id);
    try {
      com.fasterxml.jackson.databind.JsonNode entries =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(log.out());
      if (entries != null && entries.isArray() && entries.size() > 0) {
        com.fasterxml.jackson.databind.JsonNode lastEntry = entries.get(entries.size() - 1);
        String output = lastEntry.path("Output").asText("").strip();
        return "exit code "
            + lastEntry.path("ExitCode").asText("?")
            + (output.isEmpty() ? "" : ", " + output);
      }
    } catch (java.io.IOException e) {
      // fall back to what the command said
    }
    return check.out().isBlank() ? check.error() : check.out();
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

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines[lines.length - 1].strip();
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
