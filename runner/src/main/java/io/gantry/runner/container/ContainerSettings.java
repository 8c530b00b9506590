package io.gantry.runner.container;

import io.gantry.runner.workflow.ContainerOptions;
import io.gantry.runner.workflow.ContainerOptions.Option;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job container or service container with its expressions evaluated: what the engine creates, and
 * the health check Gantry drives itself (Podman's own timers need systemd).
 *
 * @param name the service id, null for the job container, "" for a docker action's image
 */
public record ContainerSettings(
    String name,
    String image,
    String username,
    String password,
    Map<String, String> env,
    List<String> ports,
    List<String> volumes,
    String options) {

  /** The health check of the options, or null when they set none. */
  record Health(
      String command, Duration interval, Duration timeout, int retries, Duration startPeriod) {}

  @Override
  public String toString() {
    return "ContainerSettings[" + name + ", " + image + "]";
  }

  List<Option> parsedOptions() {
    try {
      return ContainerOptions.parse(options);
    } catch (ContainerOptions.OptionsException e) {
      throw new ContainerException(what() + ": options: " + e.getMessage());
    }
  }

  String what() {
    if (name == null) {
      return "job container (" + image + ")";
    }
    return name.isEmpty() ? "image " + image : "service '" + name + "' (" + image + ")";
  }

  Health health() {
    String command = null;
    Duration interval = Duration.ofSeconds(30);
    Duration timeout = Duration.ofSeconds(30);
    int retries = 3;
    Duration start = Duration.ZERO;
    for (Option o : parsedOptions()) {
      switch (o.flag()) {
        case "--health-cmd" -> command = o.value();
        case "--health-interval" -> interval = duration(o);
        case "--health-timeout" -> timeout = duration(o);
        case "--health-start-period" -> start = duration(o);
        case "--health-retries" -> {
          try {
            retries = Integer.parseInt(o.value().strip());
          } catch (NumberFormatException e) {
            throw new ContainerException(
                what() + ": --health-retries must be a whole number, got '" + o.value() + "'");
          }
        }
        case "--no-healthcheck" -> {
          return null;
        }
        default -> {}
      }
    }
    return command == null ? null : new Health(command, interval, timeout, retries, start);
  }

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  /** A Go duration ({@code 10s}, {@code 1m30s}, {@code 500ms}). */
  private Duration duration(Option o) {
    String text = o.value().strip();
    Matcher m = PART.matcher(text);
    double millis = 0;
    int at = 0;
    while (m.find() && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      millis +=
          switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
          };
      at = m.end();
    }
    if (at == 0 || at != text.length()) {
      throw new ContainerException(
          what()
              + ": "
              + o.flag()
              + " must be a duration such as 10s or 1m30s, got '"
              + text
              + "'");
    }
    return Duration.ofMillis(Math.round(millis));
  }
}
