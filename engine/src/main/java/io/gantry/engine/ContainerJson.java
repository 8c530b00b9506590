package io.gantry.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.engine.ContainerEngine.ContainerStatus;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's inspection ({@code GET /containers/ID/json}, the Docker Engine API's, which Podman
 * serves too) read as a tree for the few fields Gantry uses. docker-java binds the whole answer to
 * its model classes instead, and building those bindings is most of the CPU of a fresh process's
 * first inspect (about 140 ms of its thread and twice that with the JIT, against 15 ms here: {@code
 * bench/README.md}, issue #13).
 */
final class ContainerJson {

  private ContainerJson() {}

  static ContainerStatus status(JsonNode c) {
    JsonNode state = c.path("State");
    boolean running = state.path("Running").asBoolean(false);
    Map<String, Integer> ports = new LinkedHashMap<>();
    JsonNode bindings = c.path("NetworkSettings").path("Ports");
    for (Iterator<Map.Entry<String, JsonNode>> it = bindings.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> port = it.next();
      JsonNode first = port.getValue().path(0);
      String hostPort = first.path("HostPort").asText("");
      if (!hostPort.isEmpty()) {
        // "5432/tcp"; a port without a protocol is tcp
        String key = port.getKey().contains("/") ? port.getKey() : port.getKey() + "/tcp";
        ports.put(key, Integer.parseInt(hostPort));
      }
    }
    String ip = null;
    String mac = null;
    for (JsonNode network : c.path("NetworkSettings").path("Networks")) {
      String address = network.path("IPAddress").asText("");
      if (!address.isEmpty()) {
        ip = address;
        mac = text(network.path("MacAddress"));
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = c.path("Config").path("Labels").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> label = it.next();
      labels.put(label.getKey(), label.getValue().asText());
    }
    String name = text(c.path("Name"));
    String error = text(state.path("Error"));
    JsonNode exit = state.path("ExitCode");
    return new ContainerStatus(
        text(c.path("Id")),
        name == null ? null : name.replaceFirst("^/", ""),
        labels,
        running,
        running || !exit.canConvertToInt() ? null : exit.asInt(),
        error == null || error.isBlank() ? null : error,
        ports,
        text(c.path("Image")),
        ip,
        mac);
  }

  /** "exit code N, OUTPUT" of the last health check recorded, or null when there is none. */
  static String lastHealthCheck(JsonNode c) {
    JsonNode health = c.path("State").path("Health");
    if (health.isMissingNode() || health.isNull()) {
      // Podman before 4.x spells it Healthcheck
      health = c.path("State").path("Healthcheck");
    }
    JsonNode log = health.path("Log");
    if (!log.isArray() || log.isEmpty()) {
      return null;
    }
    JsonNode last = log.get(log.size() - 1);
    String output = last.path("Output").asText("").strip();
    return "exit code "
        + (last.path("ExitCode").canConvertToLong() ? last.path("ExitCode").asLong() : "null")
        + (output.isEmpty() ? "" : ", " + output.replace('\n', ' '));
  }

  private static String text(JsonNode node) {
    return node.isMissingNode() || node.isNull() ? null : node.asText();
  }
}
