package io.gantry.runner.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** String maps (inputs, outputs) as JSON text, in their original order. */
final class JsonMaps {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, String>> MAP_TYPE =
      new TypeReference<>() {};

  private JsonMaps() {}

  static String write(Map<String, String> map) {
    try {
      return MAPPER.writeValueAsString(map == null ? Map.of() : map);
    } catch (JsonProcessingException e) {
      // A map of strings always serialises; reaching here is a bug, not a condition to handle.
      throw new IllegalStateException("Cannot write map as JSON", e);
    }
  }

  static Map<String, String> read(String json) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    try {
      return Collections.unmodifiableMap(MAPPER.readValue(json, MAP_TYPE));
    } catch (JsonProcessingException e) {
      throw new StoreException(
          "Stored JSON is not a map of strings: " + StoreException.describe(e), e);
    }
  }
}
