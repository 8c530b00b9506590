package io.gantry.server;

/**
 * CRC-32 (the polynomial of gzip and {@link java.util.zip.CRC32}) of two byte sequences put end to
 * end, from their own CRCs and the second one's length: zlib's {@code crc32_combine}, which the JDK
 * does not offer. A few hundred operations, whatever the lengths.
 */
final class Crc32s {

  private static final int POLY = 0xedb88320;

  /** {@code X2N[k]} = x^(2^k) modulo the polynomial (bit-reversed, as the CRC). */
  private static final int[] X2N = new int[32];

  static {
    int p = 1 << 30; // x^1
    X2N[0] = p;
    for (int n = 1; n < 32; n++) {
      p = multiply(p, p);
      X2N[n] = p;
    }
  }

  private Crc32s() {}

  /** The CRC-32 of A then B, given A's CRC, B's CRC and B's length in bytes. */
  static int combine(int crcA, int crcB, long lengthB) {
    return multiply(powerOfX(lengthB, 3), crcA) ^ crcB;
  }

  /** x^(n × 2^k) modulo the polynomial. */
  private static int powerOfX(long n, int k) {
    int p = 1 << 31; // x^0
    while (n != 0) {
      if ((n & 1) != 0) {
        p = multiply(X2N[k & 31], p);
      }
      n >>>= 1;
      k++;
    }
    return p;
  }

  /** a × b modulo the polynomial; {@code a} not 0. */
  private static int multiply(int a, int b) {
    int m = 1 << 31;
    int p = 0;
    while (true) {
      if ((a & m) != 0) {
        p ^= b;
        if ((a & (m - 1)) == 0) {
          break;
        }
      }
      m >>>= 1;
      b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
    }
    return p;
  }
}
