package io.gantry.server.forge;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON in and out as plain data (Map, List, String, Double, Boolean, null): the shape the
 * expression engine takes for {@code github.event}, so no Jackson type leaves this package.
 */
final class Json {

  // Duplicate keys are rejected: two parsers reading one body differently is how signed payloads
  // get smuggled past a check.
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private Json() {}

  /** The body as a JSON object, or a one-line MalformedWebhookException saying why not. */
  static Map<String, Object> parseObject(byte[] body) throws MalformedWebhookException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new MalformedWebhookException("malformed JSON: " + e.getOriginalMessage() + where, e);
    } catch (IOException e) {
      throw new MalformedWebhookException("malformed JSON: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new MalformedWebhookException("malformed JSON: the body is empty");
    }
    if (!root.isObject()) {
      throw new MalformedWebhookException(
          "malformed JSON: expected an object, got "
              + root.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) plain(root);
    return map;
  }

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON-serializable: " + e.getOriginalMessage(), e);
    }
  }

  /** The string at a dotted path; missing, null or not a string is malformed. */
  static String requireString(Map<String, Object> root, String path)
      throws MalformedWebhookException {
    Object value = at(root, path);
    if (value == null) {
      throw new MalformedWebhookException("missing field '" + path + "'");
    }
    if (!(value instanceof String)) {
      throw new MalformedWebhookException("field '" + path + "' must be a string");
    }
    return (String) value;
  }

  /** The string at a dotted path, or null when absent; present but not a string is malformed. */
  static String optionalString(Map<String, Object> root, String path)
      throws MalformedWebhookException {
    Object value = at(root, path);
    if (value != null && !(value instanceof String)) {
      throw new MalformedWebhookException("field '" + path + "' must be a string");
    }
    return (String) value;
  }

  /** True only for a JSON {@code true} at the path; absent is false. */
  static boolean flag(Map<String, Object> root, String path) throws MalformedWebhookException {
    Object value = at(root, path);
    if (value != null && !(value instanceof Boolean)) {
      throw new MalformedWebhookException("field '" + path + "' must be true or false");
    }
    return Boolean.TRUE.equals(value);
  }

  static Object at(Map<String, Object> root, String path) {
    Object current = root;
    for (String key : path.split("\\.")) {
      if (!(current instanceof Map)) {
        return null;
      }
      current = ((Map<?, ?>) current).get(key);
    }
    return current;
  }

  private static Object plain(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT:
        Map<String, Object> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> map.put(entry.getKey(), plain(entry.getValue())));
        return Collections.unmodifiableMap(map);
      case ARRAY:
        List<Object> list = new ArrayList<>(node.size());
        node.forEach(item -> list.add(plain(item)));
        return Collections.unmodifiableList(list);
      case STRING:
        return node.textValue();
      case NUMBER:
        return node.doubleValue();
      case BOOLEAN:
        return node.booleanValue();
      default:
        return null;
    }
  }
}
