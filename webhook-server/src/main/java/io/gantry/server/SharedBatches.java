package io.gantry.server;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The catch-up batches of one running run's followers, encoded once and shared: batch {@code k}
 * holds the events of lines {@code k × BATCH + 1} to {@code (k + 1) × BATCH} ({@link
 * LogFollower#BATCH}), so that a hundred followers that arrive late, or come back after they fell
 * behind, read and encode the run's lines once between them, not once each. At most {@value
 * #MAX_BATCHES} batches and {@value #MAX_BYTES} bytes are kept, the least recently used dropped
 * first. Used by the {@link LogFanOut}'s thread only.
 */
final class SharedBatches {

  static final int MAX_BATCHES = 32;
  static final long MAX_BYTES = 4L << 20;

  private final LinkedHashMap<Long, EventBytes> batches = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  /** The events of batch {@code index}, or null when they are not here. */
  EventBytes get(long index) {
    return batches.get(index);
  }

  /** Keeps the events of batch {@code index} (whole: every line of it). */
  void put(long index, EventBytes events) {
    EventBytes old = batches.put(index, events);
    bytes += events.length() - (old == null ? 0 : old.length());
    Iterator<Map.Entry<Long, EventBytes>> eldest = batches.entrySet().iterator();
    while ((batches.size() > MAX_BATCHES || bytes > MAX_BYTES) && eldest.hasNext()) {
      bytes -= eldest.next().getValue().length();
      eldest.remove();
    }
  }
}
