package io.gantry.server;

/**
 * One follower's gzip stream (RFC 1952) made of {@link EventBytes}' shared deflated parts: a
 * header, then each part as it is queued, then an empty final block and the trailer (the CRC-32 and
 * length of everything sent, combined from each part's own CRC without reading the bytes again).
 * The compression is done once per part for all followers; what is left per follower is a few
 * arithmetic operations per part.
 */
final class GzipStream {

  /** A gzip header: deflate, no name, no time, unknown operating system. */
  static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private int crc;
  private long length;

  /** The bytes that send {@code events} on this stream. */
  byte[] next(EventBytes events) {
    crc = Crc32s.combine(crc, events.crc(), events.length());
    length += events.length();
    return events.deflated();
  }

  /** The bytes that end this stream: an empty final block, the CRC-32 and the length. */
  byte[] trailer() {
    // 0x03 0x00: a final block with fixed Huffman codes holding only its end.
    return new byte[] {
      3,
      0,
      (byte) crc,
      (byte) (crc >>> 8),
      (byte) (crc >>> 16),
      (byte) (crc >>> 24),
      (byte) length,
      (byte) (length >>> 8),
      (byte) (length >>> 16),
      (byte) (length >>> 24)
    };
  }
}
