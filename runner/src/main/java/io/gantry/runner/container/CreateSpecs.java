package io.gantry.runner.container;

import io.gantry.engine.ContainerEngine.ContainerSpec;
import io.gantry.engine.ContainerEngine.CreateOptions;
import io.gantry.engine.ContainerEngine.HealthCheckSpec;
import io.gantry.engine.ContainerEngine.PortMapping;
import io.gantry.runner.workflow.ContainerOptions.Option;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job or service container's settings as the engine's create call: {@code env}, {@code ports} (on
 * 127.0.0.1), {@code volumes} and every {@code options:} flag Gantry passes through ({@link
 * io.gantry.runner.workflow.ContainerOptions}), each turned into its field of the Engine API.
 */
final class CreateSpecs {

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

  private CreateSpecs() {}

  /**
   * What Gantry sets itself, before the container's own settings.
   *
   * @param env {@code NAME=VALUE}; the container's {@code env:} and {@code --env} come after
   * @param binds {@code HOST:CONTAINER[:ro]} mounts; the container's {@code volumes:} come after
   * @param entryPoint and {@code command}: used when the options set no {@code --entrypoint}
   */
  record Base(
      String name,
      String network,
      List<String> aliases,
      Map<String, String> labels,
      List<String> binds,
      List<String> env,
      String workingDirectory,
      List<String> entryPoint,
      List<String> command) {}

  /**
   * Checks a container's settings as {@link #of} reads them (options, their values, the health
   * check) before anything is started: a {@link ContainerException} naming the container.
   */
  static void check(ContainerSettings s) {
    of(s, new Base(null, null, List.of(), Map.of(), List.of(), List.of(), null, null, null));
  }

  static ContainerSpec of(ContainerSettings s, Base base) {
    List<String> env = new ArrayList<>(base.env());
    s.env().forEach((k, v) -> env.add(k + "=" + v));
    List<PortMapping> ports = new ArrayList<>();
    for (String port : s.ports()) {
      ports.add(port(port));
    }
    List<String> binds = new ArrayList<>(base.binds());
    binds.addAll(s.volumes());
    Map<String, String> labels = new LinkedHashMap<>();
    String workdir = base.workingDirectory();
    List<String> entryPoint = base.entryPoint();
    List<String> command = base.command();
    String user = null;
    Long memory = null;
    Long reservation = null;
    Integer stopTimeout = null;
    String hostname = null;
    Long shm = null;
    Long nanoCpus = null;
    Map<String, String> tmpfs = new LinkedHashMap<>();
    List<String> ulimits = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    boolean init = false;
    boolean readOnly = false;
    for (Option o : s.parsedOptions()) {
      String v = o.value();
      switch (o.flag()) {
          // NAME=VALUE only: a bare NAME (Gantry's own variable) is refused by ContainerOptions
        case "--env" -> env.add(v);
        case "--cpus" -> nanoCpus = Math.round(number(s, o) * 1e9);
        case "--memory" -> memory = size(s, o);
        case "--memory-reservation" -> reservation = size(s, o);
        case "--shm-size" -> shm = size(s, o);
        case "--user" -> user = v;
        case "--workdir" -> workdir = v;
        case "--hostname" -> hostname = v;
        case "--tmpfs" -> {
          int colon = v.indexOf(':');
          tmpfs.put(colon < 0 ? v : v.substring(0, colon), colon < 0 ? "" : v.substring(colon + 1));
        }
        case "--ulimit" -> {
          if (!v.matches("[a-z]+=-?\\d+(:-?\\d+)?")) {
            throw bad(s, o, "a limit such as nofile=1024:2048");
          }
          ulimits.add(v);
        }
        case "--add-host" -> hosts.add(v);
        case "--entrypoint" -> {
          entryPoint = List.of(v);
          command = null;
        }
        case "--label" -> {
          int eq = v.indexOf('=');
          labels.put(eq < 0 ? v : v.substring(0, eq), eq < 0 ? "" : v.substring(eq + 1));
        }
        case "--stop-timeout" -> stopTimeout = (int) number(s, o);
        case "--init" -> init = true;
        case "--read-only" -> readOnly = true;
        default -> {
          // the health check flags: see health()
        }
      }
    }
    // Gantry's own labels win: they are how its containers are found again
    labels.putAll(base.labels());
    ContainerSettings.Health health = s.health();
    HealthCheckSpec check =
        health == null
            ? null
            : new HealthCheckSpec(
                List.of("CMD-SHELL", health.command()),
                health.interval(),
                health.timeout(),
                health.retries(),
                health.startPeriod());
    return new ContainerSpec(
        base.name(),
        s.image(),
        entryPoint,
        command,
        env,
        workdir,
        user,
        ports,
        memory,
        reservation,
        null,
        stopTimeout,
        labels,
        check,
        base.network(),
        new CreateOptions(
            base.aliases(), binds, hostname, shm, nanoCpus, tmpfs, ulimits, hosts, init, readOnly));
  }

  /** {@code [HOST:]CONTAINER[/proto]} (checked by the workflow reader), on 127.0.0.1. */
  static PortMapping port(String port) {
    String p = port.strip();
    String protocol = "tcp";
    int slash = p.indexOf('/');
    if (slash >= 0) {
      protocol = p.substring(slash + 1).toLowerCase(Locale.ROOT);
      p = p.substring(0, slash);
    }
    int colon = p.lastIndexOf(':');
    int host = colon < 0 ? 0 : Integer.parseInt(p.substring(0, colon).replaceAll(".*:", ""));
    return new PortMapping(Integer.parseInt(p.substring(colon + 1)), host, protocol);
  }

  private static double number(ContainerSettings s, Option o) {
    try {
      return Double.parseDouble(o.value().strip());
    } catch (NumberFormatException e) {
      throw bad(s, o, "a number");
    }
  }

  /** A size as Podman reads it: {@code 512m}, {@code 1g}, {@code 1024}, {@code 64MiB}. */
  private static long size(ContainerSettings s, Option o) {
    Matcher m = SIZE.matcher(o.value().strip());
    if (!m.matches()) {
      throw bad(s, o, "a size such as 512m or 1g");
    }
    int power =
        "bkmgtp".indexOf(m.group(2).isEmpty() ? 'b' : Character.toLowerCase(m.group(2).charAt(0)));
    return Math.round(Double.parseDouble(m.group(1)) * Math.pow(1024, power));
  }

  private static ContainerException bad(ContainerSettings s, Option o, String what) {
    return new ContainerException(
        s.what() + ": " + o.flag() + " must be " + what + ", got '" + o.value() + "'");
  }
}
