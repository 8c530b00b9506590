package io.gantry.runner.workflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads a job's {@code container:} and {@code services:} ({@link ContainerSpec}). */
final class ContainerReader {

  static final List<String> KEYS =
      List.of("image", "credentials", "env", "ports", "volumes", "options");

  /** {@code [HOST:]CONTAINER[/tcp|/udp]}. */
  static final Pattern PORT = Pattern.compile("(?:(\\d{1,5}):)?(\\d{1,5})(?:/(tcp|udp))?");

  /** Contexts of {@code container} and {@code services} (GitHub's table, with secrets). */
  private static final java.util.Set<String> CONTEXTS = Contexts.JOB_ENV;

  private final Fields fields;
  private final Report report;
  private final String jobId;

  ContainerReader(Fields fields, String jobId) {
    this.fields = fields;
    this.jobId = jobId;
    this.report = fields.report;
  }

  /** {@code container:}: an image name, or a map. */
  ContainerSpec container(Node node) {
    return read(node, "container");
  }

  /** {@code services:}: service ids to their containers. */
  Map<String, ContainerSpec> services(Node node) {
    if (Fields.isNull(node)) {
      return Map.of();
    }
    Map<String, NodeTuple> entries = fields.map(node, "services", "'services'", null);
    if (entries == null) {
      return Map.of();
    }
    Map<String, ContainerSpec> services = new LinkedHashMap<>();
    entries.forEach(
        (id, tuple) -> {
          if (!JobReader.ID.matcher(id).matches()) {
            report.error(
                tuple.getKeyNode(),
                "service id '"
                    + id
                    + "' is invalid; use letters, digits, '_' and '-', starting with a letter or"
                    + " '_' (it is the service's host name)");
            return;
          }
          ContainerSpec spec = read(tuple.getValueNode(), "services." + id);
          if (spec != null) {
            services.put(id, spec);
          }
        });
    return Collections.unmodifiableMap(services);
  }

  private ContainerSpec read(Node node, String name) {
    Location location = report.at(node);
    if (node instanceof ScalarNode) {
      String image = fields.template(node, name, CONTEXTS);
      if (image == null || image.isBlank()) {
        report.error(node, "'" + name + "' needs an image, e.g. " + name + ": { image: alpine:3 }");
        return null;
      }
      return new ContainerSpec(image, null, null, Map.of(), List.of(), List.of(), null, location);
    }
    Map<String, NodeTuple> e = fields.map(node, name, "'" + name + "'", KEYS);
    if (e == null) {
      return null;
    }
    String image =
        e.containsKey("image") ? fields.template(value(e, "image"), name, CONTEXTS) : null;
    if (image == null || image.isBlank()) {
      report.error(
          e.containsKey("image") ? value(e, "image") : node,
          "'" + name + "' needs an image, e.g. image: postgres:16");
      return null;
    }
    String username = null;
    String password = null;
    if (e.containsKey("credentials")) {
      Map<String, NodeTuple> c =
          fields.map(
              value(e, "credentials"),
              name + ".credentials",
              "'" + name + ".credentials'",
              List.of("username", "password"));
      if (c != null) {
        if (!c.containsKey("username") || !c.containsKey("password")) {
          report.error(
              value(e, "credentials"),
              "'" + name + ".credentials' needs both username and password");
        } else {
          username =
              fields.template(value(c, "username"), name + ".credentials.username", CONTEXTS);
          password =
              fields.template(value(c, "password"), name + ".credentials.password", CONTEXTS);
        }
      }
    }
    Map<String, String> env =
        e.containsKey("env")
            ? fields.stringMap(value(e, "env"), name + ".env", CONTEXTS)
            : Map.of();
    List<String> ports = e.containsKey("ports") ? ports(value(e, "ports"), name) : List.of();
    List<String> volumes =
        e.containsKey("volumes") ? volumes(value(e, "volumes"), name) : List.of();
    String options = null;
    if (e.containsKey("options")) {
      options = fields.template(value(e, "options"), name + ".options", CONTEXTS);
      if (options != null && !Fields.isExpression(options)) {
        try {
          ContainerOptions.parse(options);
        } catch (ContainerOptions.OptionsException ex) {
          report.error(
              value(e, "options"),
              "'" + name + ".options' of job '" + jobId + "': " + ex.getMessage());
        }
      }
    }
    return new ContainerSpec(image, username, password, env, ports, volumes, options, location);
  }

  private List<String> ports(Node node, String name) {
    List<String> result = new ArrayList<>();
    for (Node item : items(node, name + ".ports")) {
      String text = fields.template(item, name + ".ports", CONTEXTS);
      if (text == null) {
        continue;
      }
      if (!Fields.isExpression(text) && problem(text) != null) {
        report.error(item, "'" + name + ".ports': " + problem(text));
        continue;
      }
      result.add(text);
    }
    return List.copyOf(result);
  }

  /** What is wrong with a port mapping, or null. */
  static String problem(String port) {
    Matcher m = PORT.matcher(port.strip());
    if (!m.matches()) {
      return "'"
          + port
          + "' is not a port mapping; write CONTAINER_PORT (a free host port is picked) or"
          + " HOST_PORT:CONTAINER_PORT, optionally with /tcp or /udp";
    }
    for (int g = 1; g <= 2; g++) {
      if (m.group(g) != null) {
        int n = Integer.parseInt(m.group(g));
        if (n < 1 || n > 65535) {
          return "port " + n + " in '" + port + "' is out of range 1-65535";
        }
      }
    }
    return null;
  }

  private List<String> volumes(Node node, String name) {
    List<String> result = new ArrayList<>();
    for (Node item : items(node, name + ".volumes")) {
      String text = fields.template(item, name + ".volumes", CONTEXTS);
      if (text == null || text.isBlank()) {
        continue;
      }
      if (!Fields.isExpression(text) && text.split(":", -1).length > 3) {
        report.error(
            item,
            "'"
                + name
                + ".volumes': '"
                + text
                + "' is not a volume; write SOURCE:DESTINATION[:OPTIONS] or DESTINATION");
        continue;
      }
      result.add(text);
    }
    return List.copyOf(result);
  }

  private List<Node> items(Node node, String name) {
    if (node instanceof SequenceNode sequence) {
      return sequence.getValue();
    }
    if (Fields.isNull(node)) {
      return List.of();
    }
    report.error(node, "'" + name + "' must be a list, got " + Fields.describe(node));
    return List.of();
  }

  private static Node value(Map<String, NodeTuple> entries, String key) {
    return entries.get(key).getValueNode();
  }
}
