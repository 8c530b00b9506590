package io.gantry.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Server-Sent Events of a live log, encoded to bytes: {@code log} (id: the line's number; a
 * carriage return in a line ends an SSE line, so the client gets it back as a line break), {@code
 * behind} and {@code end}. The lines of a running run are encoded once here for all of its
 * followers ({@link LogFanOut}), not once per follower.
 */
final class LogEvents {

  static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LOG = "\nevent: log\ndata: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);

  private byte[] bytes;
  private int size;
  private int lines;

  LogEvents(int capacity) {
    bytes = new byte[Math.max(64, capacity)];
  }

  /** Appends the event of line {@code number}. */
  void log(long number, String line) {
    byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
    log(number, utf8, 0, utf8.length);
  }

  /** Appends the event of line {@code number}, given as UTF-8 bytes without its '\n'. */
  void log(long number, byte[] line, int offset, int length) {
    put(ID);
    putNumber(number);
    put(LOG);
    int from = offset;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      if (line[i] == '\r') {
        put(line, from, i - from);
        put(DATA);
        from = i + 1;
      }
    }
    put(line, from, end - from);
    put((byte) '\n');
    put((byte) '\n');
    lines++;
  }

  int size() {
    return size;
  }

  int lines() {
    return lines;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The events appended so far (a copy), and empties this buffer. */
  byte[] take() {
    byte[] taken = Arrays.copyOf(bytes, size);
    size = 0;
    lines = 0;
    return taken;
  }

  static byte[] behind(long sent) {
    return ("id: "
            + sent
            + "\nevent: behind\ndata: you fell behind; reconnect from line "
            + (sent + 1)
            + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] end(String conclusion) {
    return ("event: end\ndata: " + conclusion + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private void putNumber(long number) {
    if (number == 0) {
      put((byte) '0');
      return;
    }
    int digits = 0;
    for (long n = number; n > 0; n /= 10) {
      digits++;
    }
    ensure(digits);
    long n = number;
    for (int i = size + digits - 1; i >= size; i--) {
      bytes[i] = (byte) ('0' + (int) (n % 10));
      n /= 10;
    }
    size += digits;
  }

  private void put(byte[] source) {
    put(source, 0, source.length);
  }

  private void put(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
  }

  private void put(byte b) {
    ensure(1);
    bytes[size++] = b;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
