package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The CloudWatch Logs API subset ({@code Logs_20140328.*}, JSON 1.1): CreateLogGroup,
 * DeleteLogGroup, DescribeLogGroups, CreateLogStream, DescribeLogStreams, PutLogEvents,
 * GetLogEvents and FilterLogEvents (terms, quoted phrases, {@code ?} alternatives and {@code -}
 * exclusions), enough for {@code aws logs tail GROUP --follow}. Errors in Logs' words and types.
 */
final class LogsActions {

  static final String PREFIX = "Logs_20140328.";
  private static final Pattern GROUP_NAME = Pattern.compile("[._\\-/#A-Za-z0-9]{1,512}");
  private static final Pattern STREAM_NAME = Pattern.compile("[^:*]{1,512}");
  private static final int MAX_LIMIT = 10_000;

  private final LogGroups logs;
  private final ObjectMapper mapper;
  private final String arnPrefix;

  LogsActions(LogGroups logs, ObjectMapper mapper, String region) {
    this.logs = logs;
    this.mapper = mapper;
    this.arnPrefix = "arn:aws:logs:" + region + ":" + Arns.ACCOUNT + ":log-group:";
  }

  ObjectNode handle(String action, ObjectNode request) {
    return switch (action) {
      case "CreateLogGroup" -> createLogGroup(request);
      case "DeleteLogGroup" -> deleteLogGroup(request);
      case "DescribeLogGroups" -> describeLogGroups(request);
      case "CreateLogStream" -> createLogStream(request);
      case "DescribeLogStreams" -> describeLogStreams(request);
      case "PutLogEvents" -> putLogEvents(request);
      case "GetLogEvents" -> getLogEvents(request);
      case "FilterLogEvents" -> filterLogEvents(request);
      default ->
          throw new AwsError(
              "UnknownOperationException",
              "local-ecs does not implement the CloudWatch Logs action '" + action + "'.");
    };
  }

  static AwsError groupNotFound() {
    return new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
  }

  private ObjectNode createLogGroup(ObjectNode request) {
    String name = groupName(request, "logGroupName");
    if (!logs.create(name)) {
      throw new AwsError(
          "ResourceAlreadyExistsException", "The specified log group already exists");
    }
    return mapper.createObjectNode();
  }

  private ObjectNode deleteLogGroup(ObjectNode request) {
    if (!logs.delete(groupName(request, "logGroupName"))) {
      throw groupNotFound();
    }
    return mapper.createObjectNode();
  }

  private ObjectNode describeLogGroups(ObjectNode request) {
    String prefix = request.path("logGroupNamePrefix").asText("");
    String pattern = request.path("logGroupNamePattern").asText("");
    if (!prefix.isEmpty() && !pattern.isEmpty()) {
      throw new AwsError(
          "InvalidParameterException",
          "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode groups = out.putArray("logGroups");
    for (LogGroups.Group g : logs.groups()) {
      if (!g.name.startsWith(prefix) || (!pattern.isEmpty() && !g.name.contains(pattern))) {
        continue;
      }
      ObjectNode o = groups.addObject();
      o.put("logGroupName", g.name);
      o.put("creationTime", g.creationTime);
      o.put("metricFilterCount", 0);
      o.put("arn", arnPrefix + g.name + ":*");
      o.put("logGroupArn", arnPrefix + g.name);
      o.put("storedBytes", logs.storedBytes(g.name));
      o.put("logGroupClass", "STANDARD");
    }
    return out;
  }

  private ObjectNode createLogStream(ObjectNode request) {
    String group = existingGroup(request);
    String stream = streamName(request);
    if (!logs.createStream(group, stream)) {
      throw new AwsError(
          "ResourceAlreadyExistsException", "The specified log stream already exists");
    }
    return mapper.createObjectNode();
  }

  private ObjectNode describeLogStreams(ObjectNode request) {
    String group = existingGroup(request);
    String prefix = request.path("logStreamNamePrefix").asText("");
    String orderBy = request.path("orderBy").asText("LogStreamName");
    if (!orderBy.equals("LogStreamName") && !orderBy.equals("LastEventTime")) {
      throw new AwsError(
          "InvalidParameterException",
          "1 validation error detected: Value '"
              + orderBy
              + "' at 'orderBy' failed to satisfy"
              + " constraint: Member must satisfy enum value set: [LastEventTime, LogStreamName]");
    }
    if (orderBy.equals("LastEventTime") && !prefix.isEmpty()) {
      throw new AwsError(
          "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
    }
    List<LogGroups.Stream> streams = new ArrayList<>(logs.streams(group));
    streams.removeIf(s -> !s.name.startsWith(prefix));
    Comparator<LogGroups.Stream> order =
        orderBy.equals("LogStreamName")
            ? Comparator.comparing(s -> s.name)
            : Comparator.comparingLong(s -> s.lastEventTimestamp);
    if (request.path("descending").asBoolean(false)) {
      order = order.reversed();
    }
    streams.sort(order);
    int limit = limit(request, 50);
    ObjectNode out = mapper.createObjectNode();
    ArrayNode array = out.putArray("logStreams");
    for (LogGroups.Stream s : streams.subList(0, Math.min(limit, streams.size()))) {
      ObjectNode o = array.addObject();
      o.put("logStreamName", s.name);
      o.put("creationTime", s.creationTime);
      if (s.lastIngestionTime > 0) {
        o.put("firstEventTimestamp", s.firstEventTimestamp);
        o.put("lastEventTimestamp", s.lastEventTimestamp);
        o.put("lastIngestionTime", s.lastIngestionTime);
      }
      o.put("arn", arnPrefix + group + ":log-stream:" + s.name);
      o.put("storedBytes", 0);
    }
    return out;
  }

  private ObjectNode putLogEvents(ObjectNode request) {
    String group = existingGroup(request);
    String stream = streamName(request);
    if (logs.events(group, stream) == null) {
      throw new AwsError("ResourceNotFoundException", "The specified log stream does not exist.");
    }
    JsonNode events = request.get("logEvents");
    if (events == null || !events.isArray() || events.isEmpty()) {
      throw new AwsError(
          "InvalidParameterException", "logEvents must have between 1 and 10000 events.");
    }
    for (JsonNode e : events) {
      if (!e.has("timestamp") || !e.has("message")) {
        throw new AwsError(
            "InvalidParameterException", "Each log event needs a timestamp and a message.");
      }
      logs.append(group, stream, e.get("timestamp").asLong(), e.get("message").asText());
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("nextSequenceToken", Arns.hex(28));
    return out;
  }

  private ObjectNode getLogEvents(ObjectNode request) {
    String group = existingGroup(request);
    String stream = streamName(request);
    List<LogGroups.Event> events = logs.events(group, stream);
    if (events == null) {
      throw new AwsError("ResourceNotFoundException", "The specified log stream does not exist.");
    }
    long start = request.path("startTime").asLong(Long.MIN_VALUE);
    long end = request.path("endTime").asLong(Long.MAX_VALUE);
    events.removeIf(e -> e.timestamp() < start || e.timestamp() >= end);
    int limit = limit(request, MAX_LIMIT);
    String token = request.path("nextToken").asText("");
    boolean fromHead = request.path("startFromHead").asBoolean(false);
    int from;
    int to;
    if (token.startsWith("f/")) {
      long after = parseToken(token);
      from = 0;
      while (from < events.size() && events.get(from).sequence() <= after) {
        from++;
      }
      to = Math.min(events.size(), from + limit);
    } else if (token.startsWith("b/")) {
      long before = parseToken(token);
      to = 0;
      while (to < events.size() && events.get(to).sequence() < before) {
        to++;
      }
      from = Math.max(0, to - limit);
    } else if (!token.isEmpty()) {
      throw new AwsError("InvalidParameterException", "The specified nextToken is invalid.");
    } else if (fromHead) {
      from = 0;
      to = Math.min(events.size(), limit);
    } else {
      to = events.size();
      from = Math.max(0, to - limit);
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode array = out.putArray("events");
    for (LogGroups.Event e : events.subList(from, to)) {
      ObjectNode o = array.addObject();
      o.put("timestamp", e.timestamp());
      o.put("message", e.message());
      o.put("ingestionTime", e.ingestionTime());
    }
    long forward = to > 0 ? events.get(to - 1).sequence() : parseTokenOr(token, -1);
    long backward = from < events.size() ? events.get(from).sequence() : forward + 1;
    out.put("nextForwardToken", "f/" + forward);
    out.put("nextBackwardToken", "b/" + backward);
    return out;
  }

  private ObjectNode filterLogEvents(ObjectNode request) {
    String group = existingGroup(request);
    FilterPattern pattern = FilterPattern.parse(request.path("filterPattern").asText(""));
    List<String> names = new ArrayList<>();
    request.path("logStreamNames").forEach(n -> names.add(n.asText()));
    String prefix = request.path("logStreamNamePrefix").asText("");
    if (!names.isEmpty() && !prefix.isEmpty()) {
      throw new AwsError(
          "InvalidParameterException",
          "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
    }
    long start = request.path("startTime").asLong(Long.MIN_VALUE);
    long end = request.path("endTime").asLong(Long.MAX_VALUE);
    List<LogGroups.Event> matching = new ArrayList<>();
    for (LogGroups.Stream s : logs.streams(group)) {
      if ((!names.isEmpty() && !names.contains(s.name)) || !s.name.startsWith(prefix)) {
        continue;
      }
      for (LogGroups.Event e : logs.events(group, s.name)) {
        if (e.timestamp() >= start && e.timestamp() <= end && pattern.matches(e.message())) {
          matching.add(e);
        }
      }
    }
    Comparator<LogGroups.Event> order =
        Comparator.comparingLong(LogGroups.Event::timestamp)
            .thenComparingLong(LogGroups.Event::sequence);
    matching.sort(order);
    String token = request.path("nextToken").asText("");
    if (!token.isEmpty()) {
      String[] parts = token.split("/");
      if (parts.length != 2 || !parts[0].matches("-?[0-9]+") || !parts[1].matches("[0-9]+")) {
        throw new AwsError("InvalidParameterException", "The specified nextToken is invalid.");
      }
      long t = Long.parseLong(parts[0]);
      long seq = Long.parseLong(parts[1]);
      matching.removeIf(e -> e.timestamp() < t || (e.timestamp() == t && e.sequence() <= seq));
    }
    int limit = limit(request, MAX_LIMIT);
    ObjectNode out = mapper.createObjectNode();
    ArrayNode array = out.putArray("events");
    for (LogGroups.Event e : matching.subList(0, Math.min(limit, matching.size()))) {
      ObjectNode o = array.addObject();
      o.put("logStreamName", e.stream());
      o.put("timestamp", e.timestamp());
      o.put("message", e.message());
      o.put("ingestionTime", e.ingestionTime());
      o.put("eventId", e.eventId());
    }
    out.putArray("searchedLogStreams");
    if (matching.size() > limit) {
      LogGroups.Event last = matching.get(limit - 1);
      out.put("nextToken", last.timestamp() + "/" + last.sequence());
    }
    return out;
  }

  // --- parameters ---

  private String existingGroup(ObjectNode request) {
    String name =
        request.has("logGroupIdentifier")
            ? identifier(request.get("logGroupIdentifier").asText())
            : groupName(request, "logGroupName");
    if (!logs.exists(name)) {
      throw groupNotFound();
    }
    return name;
  }

  private String identifier(String id) {
    if (id.startsWith("arn:")) {
      int at = id.indexOf(":log-group:");
      if (at < 0) {
        throw new AwsError(
            "InvalidParameterException", "logGroupIdentifier '" + id + "' is not a log group ARN.");
      }
      String rest = id.substring(at + 11);
      return rest.endsWith(":*") ? rest.substring(0, rest.length() - 2) : rest;
    }
    return id;
  }

  static String groupName(ObjectNode request, String field) {
    String name = request.path(field).asText(null);
    if (name == null || !GROUP_NAME.matcher(name).matches()) {
      throw new AwsError(
          "InvalidParameterException",
          "1 validation error detected: Value '"
              + name
              + "' at '"
              + field
              + "' failed to satisfy constraint: Member must satisfy regular expression pattern:"
              + " [\\.\\-_/#A-Za-z0-9]+");
    }
    return name;
  }

  private static String streamName(ObjectNode request) {
    String name = request.path("logStreamName").asText(null);
    if (name == null || !STREAM_NAME.matcher(name).matches()) {
      throw new AwsError(
          "InvalidParameterException",
          "1 validation error detected: Value '"
              + name
              + "' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular"
              + " expression pattern: [^:*]*");
    }
    return name;
  }

  private static int limit(ObjectNode request, int max) {
    if (!request.has("limit")) {
      return max;
    }
    int limit = request.get("limit").asInt(0);
    if (limit < 1 || limit > max) {
      throw new AwsError(
          "InvalidParameterException",
          "1 validation error detected: Value '"
              + request.get("limit").asText()
              + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and "
              + max);
    }
    return limit;
  }

  private static long parseToken(String token) {
    try {
      return Long.parseLong(token.substring(2));
    } catch (NumberFormatException e) {
      throw new AwsError("InvalidParameterException", "The specified nextToken is invalid.");
    }
  }

  private static long parseTokenOr(String token, long otherwise) {
    return token.length() > 2 ? parseToken(token) : otherwise;
  }
}
