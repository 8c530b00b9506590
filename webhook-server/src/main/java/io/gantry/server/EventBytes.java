package io.gantry.server;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Events of a live log encoded once for every follower that gets them: as they are, and, made the
 * first time a follower that accepts {@code gzip} needs them, deflated on their own (a fresh
 * dictionary, ended with a sync flush, never finished), so that the same compressed bytes can be
 * appended to any follower's gzip stream ({@link GzipStream}) whatever came before them in it.
 * Their CRC-32 is kept for those streams' trailers.
 *
 * <p>Thread-safety: the lazily made parts are computed under this object's lock.
 */
final class EventBytes {

  /** Deflate level: the fastest, since log lines compress well even so (about 8:1 here). */
  private static final int LEVEL = Deflater.BEST_SPEED;

  private static final ThreadLocal<Deflater> DEFLATERS =
      ThreadLocal.withInitial(() -> new Deflater(LEVEL, true));

  private final byte[] plain;
  private byte[] deflated;
  private int crc;
  private boolean crcKnown;

  EventBytes(byte[] plain) {
    this.plain = plain;
  }

  /** The events as they are. */
  byte[] plain() {
    return plain;
  }

  int length() {
    return plain.length;
  }

  /** The events deflated as a part of any deflate stream (raw, sync-flushed, not final). */
  synchronized byte[] deflated() {
    if (deflated == null) {
      deflated = deflate(plain);
    }
    return deflated;
  }

  /** The CRC-32 of {@link #plain}. */
  synchronized int crc() {
    if (!crcKnown) {
      CRC32 crc32 = new CRC32();
      crc32.update(plain);
      crc = (int) crc32.getValue();
      crcKnown = true;
    }
    return crc;
  }

  private static byte[] deflate(byte[] plain) {
    Deflater deflater = DEFLATERS.get();
    deflater.reset();
    deflater.setInput(plain);
    byte[] out = new byte[Math.max(64, plain.length / 4)];
    int size = 0;
    while (true) {
      size += deflater.deflate(out, size, out.length - size, Deflater.SYNC_FLUSH);
      if (size < out.length) {
        // The flush completed with room to spare: everything is out.
        break;
      }
      out = Arrays.copyOf(out, out.length * 2);
    }
    deflater.reset();
    return Arrays.copyOf(out, size);
  }
}
