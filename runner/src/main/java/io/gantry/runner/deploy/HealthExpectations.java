package io.gantry.runner.deploy;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.taskdef.TaskDefinitionShape;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a healthy answer of {@code gantry/health-check} looks like, read from its {@code
 * expect-status}, {@code expect-body} and {@code expect-json} inputs, and the verdict on one
 * answer: {@link #problem} is null for a healthy one, else the first reason it is not.
 *
 * <p>{@code expect-json} lines are {@code PATH == VALUE} or {@code PATH != VALUE}. A path is {@code
 * $} followed by {@code .name}, {@code [index]} or {@code ["name"]} steps, evaluated as a Jackson
 * {@link JsonPointer}. The value is compared by the answer's type: a string with the value as text
 * (quotes around the value are optional and removed), a number numerically, {@code true}/{@code
 * false}/{@code null} by their text, an object or array as JSON.
 */
final class HealthExpectations {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STATUS_PART = Pattern.compile("(\\d{3})(?:\\s*-\\s*(\\d{3}))?");
  private static final Pattern ASSERTION = Pattern.compile("(\\$\\S*)\\s*(==|!=)\\s*(.*)");
  private static final Pattern PATH_STEP =
      Pattern.compile("\\.([^.\\[\\]]+)|\\[(\\d{1,9})]|\\[\"([^\"]*)\"]|\\['([^']*)']");

  /** One {@code PATH == VALUE} line. */
  private record Assertion(String path, JsonPointer pointer, boolean equal, String value) {}

  private final String statusText;
  private final List<int[]> statuses;
  private final String bodyText;
  private final Pattern bodyPattern;
  private final List<Assertion> assertions;

  private HealthExpectations(
      String statusText,
      List<int[]> statuses,
      String bodyText,
      Pattern bodyPattern,
      List<Assertion> assertions) {
    this.statusText = statusText;
    this.statuses = statuses;
    this.bodyText = bodyText;
    this.bodyPattern = bodyPattern;
    this.assertions = assertions;
  }

  /** Reads the three inputs; a bad one is a one-line {@link AwsProblem} naming it. */
  static HealthExpectations read(StepInputs in) throws AwsProblem {
    String status = in.text("expect-status").isEmpty() ? "200-399" : in.text("expect-status");
    List<int[]> statuses = statuses(status);
    String body = in.text("expect-body");
    Pattern pattern = null;
    if (body.length() >= 2 && body.startsWith("/") && body.endsWith("/")) {
      try {
        pattern = Pattern.compile(body.substring(1, body.length() - 1));
      } catch (PatternSyntaxException e) {
        throw new AwsProblem(
            "input 'expect-body': "
                + body
                + " is not a valid regular expression: "
                + e.getDescription()
                + " at index "
                + e.getIndex());
      }
    }
    List<Assertion> assertions = new ArrayList<>();
    for (String line : in.lines("expect-json")) {
      assertions.add(assertion(line));
    }
    return new HealthExpectations(
        status.replaceAll("\\s+", ""), statuses, body, pattern, assertions);
  }

  /** Whether the body is read at all. */
  boolean checksBody() {
    return !bodyText.isEmpty() || !assertions.isEmpty();
  }

  /** What is expected, for the step log. */
  String describe() {
    StringBuilder text = new StringBuilder("status " + statusText);
    if (bodyPattern != null) {
      text.append(", body matching ").append(bodyText);
    } else if (!bodyText.isEmpty()) {
      text.append(", body containing \"").append(bodyText).append('"');
    }
    for (Assertion assertion : assertions) {
      text.append(", ")
          .append(assertion.path())
          .append(assertion.equal() ? " == " : " != ")
          .append(assertion.value());
    }
    return text.toString();
  }

  /** Null when the answer is healthy, else why not, e.g. {@code expected 200-399}. */
  String problem(int status, String body) {
    if (statuses.stream().noneMatch(range -> status >= range[0] && status <= range[1])) {
      return "expected " + statusText;
    }
    if (bodyPattern != null && !bodyPattern.matcher(body).find()) {
      return "body does not match " + bodyText;
    }
    if (bodyPattern == null && !bodyText.isEmpty() && !body.contains(bodyText)) {
      return "body does not contain \"" + bodyText + "\"";
    }
    if (assertions.isEmpty()) {
      return null;
    }
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      json = null;
    }
    if (json == null || json.isMissingNode()) {
      return "body is not JSON";
    }
    for (Assertion assertion : assertions) {
      JsonNode actual = json.at(assertion.pointer());
      if (actual.isMissingNode()) {
        return assertion.path() + " is missing";
      }
      boolean same = matches(actual, assertion.value());
      if (same != assertion.equal()) {
        return assertion.path()
            + " is "
            + TaskDefinitionShape.show(actual)
            + (assertion.equal() ? ", expected " : ", expected anything but ")
            + assertion.value();
      }
    }
    return null;
  }

  private static boolean matches(JsonNode actual, String expected) {
    if (actual.isTextual()) {
      return actual.textValue().equals(unquoted(expected));
    }
    if (actual.isNumber()) {
      try {
        return actual.decimalValue().compareTo(new BigDecimal(expected)) == 0;
      } catch (NumberFormatException e) {
        return false;
      }
    }
    if (actual.isValueNode()) {
      return actual.asText().equals(expected);
    }
    try {
      return actual.equals(JSON.readTree(expected));
    } catch (JsonProcessingException e) {
      return false;
    }
  }

  /** The text of a JSON string literal, or the value as written when it is not one. */
  private static String unquoted(String value) {
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      try {
        return JSON.readTree(value).textValue();
      } catch (JsonProcessingException e) {
        return value;
      }
    }
    return value;
  }

  private static List<int[]> statuses(String text) throws AwsProblem {
    List<int[]> ranges = new ArrayList<>();
    for (String part : text.split(",")) {
      Matcher m = STATUS_PART.matcher(part.trim());
      int low = m.matches() ? Integer.parseInt(m.group(1)) : 0;
      int high = m.matches() && m.group(2) != null ? Integer.parseInt(m.group(2)) : low;
      if (low < 100 || high > 599 || low > high) {
        throw new AwsProblem(
            "input 'expect-status': '"
                + part.trim()
                + "' is not a status code or range; write e.g. 200, 200-399 or 200,204");
      }
      ranges.add(new int[] {low, high});
    }
    return ranges;
  }

  private static Assertion assertion(String line) throws AwsProblem {
    Matcher m = ASSERTION.matcher(line);
    if (!m.matches() || m.group(3).isBlank()) {
      throw new AwsProblem(
          "input 'expect-json': cannot read '"
              + line
              + "'; write one assertion per line as $.path == value, e.g. $.version == 1.2.3");
    }
    String path = m.group(1);
    JsonPointer pointer = JsonPointer.empty();
    Matcher step = PATH_STEP.matcher(path);
    int end = 1;
    while (step.find(end) && step.start() == end) {
      if (step.group(2) != null) {
        pointer = pointer.appendIndex(Integer.parseInt(step.group(2)));
      } else {
        String name =
            step.group(1) != null
                ? step.group(1)
                : step.group(3) != null ? step.group(3) : step.group(4);
        pointer = pointer.appendProperty(name);
      }
      end = step.end();
    }
    if (end != path.length()) {
      throw new AwsProblem(
          "input 'expect-json': '"
              + path
              + "' is not a path; write $ followed by .name, [0] or [\"name\"] steps, e.g."
              + " $.build.version or $.items[0].id");
    }
    return new Assertion(path, pointer, m.group(2).equals("=="), m.group(3).trim());
  }
}
