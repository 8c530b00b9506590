package io.gantry.localecs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch Logs' data: log groups, their streams and the streams' events, in memory and bounded
 * (the newest {@link #MAX_EVENTS_PER_STREAM} events of a stream, {@link #MAX_STREAMS_PER_GROUP}
 * streams of a group: the ones with the oldest last event go first). Thread-safe: every method
 * holds this object's lock. Events get an id and a per-stream sequence number when they are added,
 * both stable, so pages and `aws logs tail`'s de-duplication can rely on them.
 */
final class LogGroups {

  static final int MAX_EVENTS_PER_STREAM = 10_000;
  static final int MAX_STREAMS_PER_GROUP = 1_000;
  static final int MAX_MESSAGE_BYTES = 256 * 1024;

  /** One log event. */
  record Event(String stream, long sequence, long timestamp, long ingestionTime, String message) {
    String eventId() {
      return String.format("%020d%016d", timestamp, sequence);
    }
  }

  static final class Stream {
    final String name;
    final long creationTime;
    final Deque<Event> events = new ArrayDeque<>();
    long nextSequence;
    long lastEventTimestamp;
    long firstEventTimestamp;
    long lastIngestionTime;
    long storedBytes;

    Stream(String name, long creationTime) {
      this.name = name;
      this.creationTime = creationTime;
    }
  }

  static final class Group {
    final String name;
    final long creationTime;
    final Map<String, Stream> streams = new LinkedHashMap<>();
    Integer retentionInDays;

    Group(String name, long creationTime) {
      this.name = name;
      this.creationTime = creationTime;
    }
  }

  private final Map<String, Group> groups = new LinkedHashMap<>();
  private long sequence;

  synchronized boolean exists(String group) {
    return groups.containsKey(group);
  }

  /** Creates the group; false when it exists already. */
  synchronized boolean create(String group) {
    if (groups.containsKey(group)) {
      return false;
    }
    groups.put(group, new Group(group, System.currentTimeMillis()));
    return true;
  }

  synchronized boolean delete(String group) {
    return groups.remove(group) != null;
  }

  /** Creates the stream; false when it exists already. The group must exist. */
  synchronized boolean createStream(String group, String stream) {
    Group g = groups.get(group);
    if (g.streams.containsKey(stream)) {
      return false;
    }
    g.streams.put(stream, new Stream(stream, System.currentTimeMillis()));
    while (g.streams.size() > MAX_STREAMS_PER_GROUP) {
      Stream oldest = null;
      for (Stream s : g.streams.values()) {
        if (oldest == null || s.lastIngestionTime < oldest.lastIngestionTime) {
          oldest = s;
        }
      }
      g.streams.remove(oldest.name);
    }
    return true;
  }

  /**
   * Appends an event to a stream, creating the stream; nothing when the group is gone (deleted
   * while a container logs to it, as on AWS, where the driver's writes then fail).
   */
  synchronized void append(String group, String stream, long timestamp, String message) {
    Group g = groups.get(group);
    if (g == null) {
      return;
    }
    if (!g.streams.containsKey(stream)) {
      createStream(group, stream);
    }
    Stream s = g.streams.get(stream);
    String text =
        message.length() > MAX_MESSAGE_BYTES / 4
            ? message.substring(0, MAX_MESSAGE_BYTES / 4)
            : message;
    long now = System.currentTimeMillis();
    Event event = new Event(stream, sequence++, timestamp, now, text);
    s.events.addLast(event);
    s.nextSequence++;
    if (s.firstEventTimestamp == 0) {
      s.firstEventTimestamp = timestamp;
    }
    s.lastEventTimestamp = Math.max(s.lastEventTimestamp, timestamp);
    s.lastIngestionTime = now;
    s.storedBytes += text.length();
    while (s.events.size() > MAX_EVENTS_PER_STREAM) {
      s.storedBytes -= s.events.removeFirst().message().length();
    }
  }

  /** A snapshot of the groups (name order). */
  synchronized List<Group> groups() {
    List<Group> out = new ArrayList<>(groups.values());
    out.sort((a, b) -> a.name.compareTo(b.name));
    return out;
  }

  synchronized Group group(String name) {
    return groups.get(name);
  }

  /** A copy of a stream's events (in the order they were added), or null without the stream. */
  synchronized List<Event> events(String group, String stream) {
    Group g = groups.get(group);
    Stream s = g == null ? null : g.streams.get(stream);
    return s == null ? null : new ArrayList<>(s.events);
  }

  /** Copies of the streams' summaries: name, times, bytes. */
  synchronized List<Stream> streams(String group) {
    Group g = groups.get(group);
    List<Stream> out = new ArrayList<>();
    if (g != null) {
      for (Stream s : g.streams.values()) {
        Stream copy = new Stream(s.name, s.creationTime);
        copy.firstEventTimestamp = s.firstEventTimestamp;
        copy.lastEventTimestamp = s.lastEventTimestamp;
        copy.lastIngestionTime = s.lastIngestionTime;
        copy.storedBytes = s.storedBytes;
        out.add(copy);
      }
    }
    return out;
  }

  synchronized long storedBytes(String group) {
    Group g = groups.get(group);
    long total = 0;
    if (g != null) {
      for (Stream s : g.streams.values()) {
        total += s.storedBytes;
      }
    }
    return total;
  }
}
