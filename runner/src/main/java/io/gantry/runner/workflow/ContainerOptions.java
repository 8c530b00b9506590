package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code options:} of a job container or service container: the {@code docker create} flags
 * Gantry passes through to Podman, and one-line errors for the others. Flags that would take the
 * container out of the job's network, publish ports, mount host paths or widen its privileges
 * ({@code --network}, {@code -p}, {@code -v}, {@code --privileged}, {@code --cap-add}, …) are
 * refused: use {@code ports:} and {@code volumes:} for the first ones.
 */
public final class ContainerOptions {

  /** The flags passed through, and whether each takes a value. */
  private static final Map<String, Boolean> FLAGS = new TreeMap<>();

  /** Short names of the flags above. */
  private static final Map<String, String> SHORT =
      Map.of(
          "-e", "--env", "-m", "--memory", "-u", "--user", "-w", "--workdir", "-h", "--hostname");

  static {
    for (String flag :
        List.of(
            "--health-cmd",
            "--health-interval",
            "--health-timeout",
            "--health-retries",
            "--health-start-period",
            "--env",
            "--cpus",
            "--memory",
            "--memory-reservation",
            "--shm-size",
            "--user",
            "--workdir",
            "--hostname",
            "--tmpfs",
            "--ulimit",
            "--add-host",
            "--entrypoint",
            "--label",
            "--stop-timeout")) {
      FLAGS.put(flag, true);
    }
    for (String flag : List.of("--init", "--read-only", "--no-healthcheck")) {
      FLAGS.put(flag, false);
    }
  }

  private ContainerOptions() {}

  /** A flag Gantry does not pass through, or options it cannot read. */
  public static final class OptionsException extends Exception {
    private static final long serialVersionUID = 1L;

    OptionsException(String message) {
      super(message);
    }
  }

  /** One flag and its value (null for a flag without one). */
  public record Option(String flag, String value) {}

  /**
   * Reads the options: each flag in its long form with its value.
   *
   * @throws OptionsException naming the first flag that is not passed through, with the list of
   *     those that are
   */
  public static List<Option> parse(String options) throws OptionsException {
    List<String> words;
    try {
      words = words(options);
    } catch (OptionsException e) {
      throw new OptionsException("options: " + e.getMessage());
    }
    List<Option> result = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      String flag = word;
      String value = null;
      int eq = word.indexOf('=');
      if (word.startsWith("--") && eq > 0) {
        flag = word.substring(0, eq);
        value = word.substring(eq + 1);
      }
      flag = SHORT.getOrDefault(flag, flag);
      Boolean takesValue = FLAGS.get(flag);
      if (takesValue == null) {
        throw new OptionsException(
            "option '"
                + flag
                + "' is not passed through by Gantry"
                + (flag.startsWith("-") ? "" : " (options must be flags such as --health-cmd)")
                + hint(flag)
                + "; supported: "
                + String.join(" ", FLAGS.keySet()));
      }
      if (takesValue && value == null) {
        if (i + 1 >= words.size()) {
          throw new OptionsException("option '" + flag + "' needs a value");
        }
        value = words.get(++i);
      } else if (!takesValue && value != null) {
        throw new OptionsException("option '" + flag + "' takes no value");
      }
      String problem = takesValue ? problem(flag, value) : null;
      if (problem != null) {
        throw new OptionsException("option '" + flag + "' " + problem + ", got '" + value + "'");
      }
      result.add(new Option(flag, value));
    }
    return List.copyOf(result);
  }

  private static final java.util.regex.Pattern DURATION =
      java.util.regex.Pattern.compile("(\\d+(\\.\\d+)?(ms|s|m|h))+");
  private static final java.util.regex.Pattern SIZE =
      java.util.regex.Pattern.compile(
          "\\d+(\\.\\d+)?\\s*([kmgtp]?)(i?b)?", java.util.regex.Pattern.CASE_INSENSITIVE);

  /**
   * What is wrong with a flag's value (as the engine would refuse it, or worse, read it), or null:
   * checked here so that a workflow's literal options are refused when it is validated, not when
   * its job has started containers.
   */
  private static String problem(String flag, String value) {
    String v = value.strip();
    return switch (flag) {
      case "--health-interval", "--health-timeout", "--health-start-period" ->
          DURATION.matcher(v).matches() ? null : "must be a duration such as 10s or 1m30s";
      case "--health-retries", "--stop-timeout" ->
          v.matches("\\d{1,9}") ? null : "must be a whole number";
      case "--cpus" -> v.matches("\\d+(\\.\\d+)?") ? null : "must be a number of CPUs such as 1.5";
      case "--memory", "--memory-reservation", "--shm-size" ->
          SIZE.matcher(v).matches() ? null : "must be a size such as 512m or 1g";
      case "--ulimit" ->
          v.matches("[a-z]+=-?\\d+(:-?\\d+)?") ? null : "must be a limit such as nofile=1024:2048";
      case "--add-host" ->
          v.matches("[^:\\s]+:\\S+") ? null : "must be HOST:IP such as db.local:10.0.0.5";
        // Docker's --env NAME copies NAME from the environment of the one who starts the
        // container: here Gantry's own process, whose variables (tokens, passwords) are not the
        // job's
      case "--env" ->
          v.indexOf('=') > 0
              ? null
              : "must be NAME=VALUE (a bare NAME would copy Gantry's own variable; pass the job's"
                  + " with env:)";
      case "--user", "--hostname", "--entrypoint", "--workdir", "--health-cmd" ->
          v.isBlank() ? "needs a value" : null;
      default -> null;
    };
  }

  private static String hint(String flag) {
    return switch (flag) {
      case "-p", "--publish" -> " (use ports:)";
      case "-v", "--volume", "--mount" -> " (use volumes:)";
      case "--network", "--net", "--network-alias" ->
          " (every container of a job is on the job's own network)";
      default -> "";
    };
  }

  /**
   * Splits as a shell would: whitespace, single and double quotes, backslash escapes (also what
   * {@code gantry/build-image} reads command inputs with).
   *
   * @throws OptionsException "has an unclosed ' quote" (the caller names what it split)
   */
  public static List<String> words(String text) throws OptionsException {
    List<String> words = new ArrayList<>();
    if (text == null) {
      return words;
    }
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < text.length()) {
          word.append(text.charAt(++i));
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < text.length()) {
        word.append(text.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new OptionsException("has an unclosed " + quote + " quote");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
