package io.gantry.runner.expression;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out. Printing is hand-written because GitHub's layout ({@code "key": value}, arrays
 * one element per line, 2-space indent) is not one Jackson's pretty printer produces.
 */
final class Json {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private Json() {}

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, "");
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, String indent) {
    switch (Values.kind(value)) {
      case NULL -> out.append("null");
      case BOOLEAN -> out.append(value);
      case NUMBER -> out.append(Values.formatNumber(((Number) value).doubleValue()));
      case STRING -> quote(out, value.toString());
      case ARRAY -> {
        List<?> list = (List<?>) value;
        if (list.isEmpty()) {
          out.append("[]");
          return;
        }
        String inner = indent + "  ";
        out.append("[\n");
        for (int i = 0; i < list.size(); i++) {
          out.append(inner);
          write(out, list.get(i), inner);
          out.append(i + 1 < list.size() ? ",\n" : "\n");
        }
        out.append(indent).append(']');
      }
      case OBJECT -> {
        Map<?, ?> map = (Map<?, ?>) value;
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        String inner = indent + "  ";
        out.append("{\n");
        int i = 0;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          out.append(inner);
          quote(out, String.valueOf(entry.getKey()));
          out.append(": ");
          write(out, entry.getValue(), inner);
          out.append(++i < map.size() ? ",\n" : "\n");
        }
        out.append(indent).append('}');
      }
    }
  }

  private static void quote(StringBuilder out, String text) {
    out.append('"');
    JsonStringEncoder.getInstance().quoteAsString(text, out);
    out.append('"');
  }

  static Object read(String json) throws ExpressionException {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      String reason = e.getOriginalMessage().lines().findFirst().orElse("malformed JSON");
      throw new ExpressionException("invalid JSON" + where + ": " + reason, 0);
    }
    if (node == null || node.isMissingNode()) {
      throw new ExpressionException("invalid JSON: the input is empty", 0);
    }
    return plain(node);
  }

  private static Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        map.put(field.getKey(), plain(field.getValue()));
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      for (JsonNode element : node) {
        list.add(plain(element));
      }
      return list;
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isNull()) {
      return null;
    }
    return node.asText();
  }
}
