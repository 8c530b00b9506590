package io.gantry.runner.deploy.taskdef;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.gantry.runner.suggest.Suggestions;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingKnownType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;

/**
 * Checks a task definition against the shape of ECS RegisterTaskDefinition as the AWS SDK for Java
 * v2's ECS model describes it, so the check follows the model instead of a schema of our own.
 *
 * <p>How: the walk starts at {@link RegisterTaskDefinitionRequest#builder()}'s {@link
 * SdkPojo#sdkFields()}. Each {@link SdkField} gives the JSON key ({@link SdkField#locationName()})
 * and the wire type ({@link SdkField#marshallingType()}); a list's element and a map's value are
 * fields of their own ({@link ListTrait#memberFieldInfo()}, {@link MapTrait#valueFieldInfo()}), and
 * a structure's fields come from its builder ({@link SdkField#constructor()}). String fields that
 * the model types as an enum (the getter named after {@link SdkField#memberName()} returns an enum,
 * or a list or map of one) must hold one of its {@code knownValues()}. The model marks no field
 * required, so the two the API requires, {@code family} and {@code containerDefinitions}, are
 * checked here.
 *
 * <p>Unknown keys and wrong types are problems naming their JSON path, e.g. {@code
 * $.containerDefinitions[0].portMappings[0].containerPort: expected a number, got "80a"}; all are
 * collected. Two lossless conversions are made in place, because a substituted value is always a
 * string: a string holding a number or {@code true}/{@code false} in a number or boolean field
 * becomes that number or boolean, and a number in a string field (such as the task's {@code cpu})
 * becomes its text. {@code null} is accepted anywhere, as absent.
 */
public final class TaskDefinitionShape {

  /**
   * What {@code describe-task-definition} prints but RegisterTaskDefinition does not take: the
   * fields of the model's {@code TaskDefinition} missing from {@link RegisterTaskDefinitionRequest}
   * (the test holds the two to each other).
   */
  public static final List<String> READ_ONLY =
      List.of(
          "taskDefinitionArn",
          "revision",
          "status",
          "requiresAttributes",
          "compatibilities",
          "registeredAt",
          "registeredBy",
          "deregisteredAt");

  private static final int MAX_PROBLEMS = 20;

  private final List<String> problems = new ArrayList<>();

  private TaskDefinitionShape() {}

  /** The problems of {@code root} (none when it fits), after the conversions made in place. */
  public static List<String> check(ObjectNode root) {
    TaskDefinitionShape shape = new TaskDefinitionShape();
    shape.object(
        root,
        RegisterTaskDefinitionRequest.builder().sdkFields(),
        RegisterTaskDefinitionRequest.class,
        "$");
    JsonNode family = root.get("family");
    if (family == null || family.isNull() || (family.isTextual() && family.asText().isBlank())) {
      shape.problem("$.family", "missing: every task definition needs a family name");
    }
    JsonNode containers = root.get("containerDefinitions");
    if (containers == null
        || containers.isNull()
        || (containers.isArray() && containers.isEmpty())) {
      shape.problem("$.containerDefinitions", "missing: give at least one container definition");
    }
    List<String> problems = shape.problems;
    if (problems.size() > MAX_PROBLEMS) {
      int more = problems.size() - MAX_PROBLEMS;
      problems = new ArrayList<>(problems.subList(0, MAX_PROBLEMS));
      problems.add("and " + more + " more");
    }
    return problems;
  }

  private void object(ObjectNode node, List<SdkField<?>> fields, Class<?> pojo, String path) {
    Map<String, SdkField<?>> byName = new LinkedHashMap<>();
    for (SdkField<?> field : fields) {
      byName.put(field.locationName(), field);
    }
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    for (String key : keys) {
      SdkField<?> field = byName.get(key);
      String at = path + "." + key;
      if (field == null) {
        problem(at, "unknown field" + Suggestions.hint(key, byName.keySet(), "fields"));
        continue;
      }
      JsonNode converted = value(node.get(key), field, getterType(pojo, field), at);
      if (converted != null) {
        node.set(key, converted);
      }
    }
  }

  /** Checks one value; returns its converted form, or null to keep it. */
  private JsonNode value(JsonNode node, SdkField<?> field, Type type, String path) {
    if (node.isNull()) {
      return null;
    }
    MarshallingKnownType kind = field.marshallingType().getKnownType();
    if (kind == null) {
      return null;
    }
    switch (kind) {
      case STRING:
        return string(node, type, path);
      case INTEGER:
      case LONG:
      case SHORT:
      case BYTE:
        return whole(node, kind, path);
      case FLOAT:
      case DOUBLE:
      case BIG_DECIMAL:
        return decimal(node, path);
      case BOOLEAN:
        return bool(node, path);
      case INSTANT:
        if (!node.isNumber() && !node.isTextual()) {
          problem(path, "expected a time (seconds since 1970 or ISO 8601), got " + show(node));
        }
        return null;
      case LIST:
        list(node, field, type, path);
        return null;
      case MAP:
        map(node, field, type, path);
        return null;
      case SDK_POJO:
        if (!node.isObject()) {
          problem(path, "expected an object, got " + show(node));
          return null;
        }
        SdkPojo builder = field.constructor().get();
        object((ObjectNode) node, builder.sdkFields(), rawClass(type), path);
        return null;
      default:
        return null; // documents and bytes: any JSON
    }
  }

  private JsonNode string(JsonNode node, Type type, String path) {
    if (!node.isNumber() && !node.isTextual()) {
      problem(path, "expected a string, got " + show(node));
      return null;
    }
    Class<?> raw = rawClass(type);
    if (raw != null && raw.isEnum()) {
      Set<String> known = knownValues(raw);
      if (!known.isEmpty() && !known.contains(node.asText())) {
        problem(path, "expected one of " + String.join(", ", known) + ", got " + show(node));
        return null;
      }
    }
    return node.isNumber() ? TextNode.valueOf(node.asText()) : null;
  }

  private JsonNode whole(JsonNode node, MarshallingKnownType kind, String path) {
    BigDecimal number = number(node);
    if (number == null) {
      problem(path, "expected a number, got " + show(node));
      return null;
    }
    long max = kind == MarshallingKnownType.LONG ? Long.MAX_VALUE : Integer.MAX_VALUE;
    long min = kind == MarshallingKnownType.LONG ? Long.MIN_VALUE : Integer.MIN_VALUE;
    try {
      long value = number.longValueExact();
      if (value >= min && value <= max) {
        if (node.isIntegralNumber()) {
          return null;
        }
        return kind == MarshallingKnownType.LONG
            ? LongNode.valueOf(value)
            : IntNode.valueOf((int) value);
      }
      problem(path, "the number " + show(node) + " is out of range");
    } catch (ArithmeticException e) {
      problem(path, "expected a whole number, got " + show(node));
    }
    return null;
  }

  private JsonNode decimal(JsonNode node, String path) {
    BigDecimal number = number(node);
    if (number == null) {
      problem(path, "expected a number, got " + show(node));
      return null;
    }
    return node.isNumber() ? null : DecimalNode.valueOf(number);
  }

  private JsonNode bool(JsonNode node, String path) {
    if (node.isBoolean()) {
      return null;
    }
    if (node.isTextual() && (node.asText().equals("true") || node.asText().equals("false"))) {
      return BooleanNode.valueOf(node.asText().equals("true"));
    }
    problem(path, "expected true or false, got " + show(node));
    return null;
  }

  private void list(JsonNode node, SdkField<?> field, Type type, String path) {
    if (!node.isArray()) {
      problem(path, "expected an array, got " + show(node));
      return;
    }
    SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
    Type elementType = typeArgument(type, 0);
    ArrayNode array = (ArrayNode) node;
    for (int i = 0; i < array.size(); i++) {
      JsonNode converted = value(array.get(i), member, elementType, path + "[" + i + "]");
      if (converted != null) {
        array.set(i, converted);
      }
    }
  }

  private void map(JsonNode node, SdkField<?> field, Type type, String path) {
    if (!node.isObject()) {
      problem(path, "expected an object, got " + show(node));
      return;
    }
    SdkField<?> valueField = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
    Type valueType = typeArgument(type, 1);
    ObjectNode object = (ObjectNode) node;
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode converted =
          value(entry.getValue(), valueField, valueType, path + "." + entry.getKey());
      if (converted != null) {
        entry.setValue(converted);
      }
    }
  }

  private void problem(String path, String message) {
    problems.add(path + ": " + message);
  }

  /** A number, or a string holding one; null otherwise. */
  private static BigDecimal number(JsonNode node) {
    if (node.isNumber()) {
      return node.decimalValue();
    }
    if (node.isTextual()) {
      String text = node.asText().trim();
      if (text.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
        return new BigDecimal(text);
      }
    }
    return null;
  }

  /** The JSON value as a message shows it: strings quoted and cut short, containers by kind. */
  public static String show(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "an array";
    }
    String text = node.toString();
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }

  /** The model's Java type of the field, from its getter; null when there is no such getter. */
  private static Type getterType(Class<?> pojo, SdkField<?> field) {
    if (pojo == null) {
      return null;
    }
    try {
      Method getter = pojo.getMethod(field.memberName());
      return getter.getGenericReturnType();
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType parameterized
        && parameterized.getActualTypeArguments().length > index) {
      return parameterized.getActualTypeArguments()[index];
    }
    return null;
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType parameterized
        && parameterized.getRawType() instanceof Class<?> c) {
      return c;
    }
    return null;
  }

  /** The wire values of an SDK enum ({@code knownValues()}, without UNKNOWN_TO_SDK_VERSION). */
  private static Set<String> knownValues(Class<?> enumClass) {
    Set<String> values = new TreeSet<>();
    try {
      Object known = enumClass.getMethod("knownValues").invoke(null);
      if (known instanceof Set<?> set) {
        set.forEach(v -> values.add(v.toString()));
      }
    } catch (ReflectiveOperationException e) {
      // not an SDK enum: any string
    }
    return values;
  }
}
